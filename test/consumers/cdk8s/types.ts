// Uses the public types of "." and "./validate", type-checked in a project without @types/node (not run).
import { SecretValue, generateKey } from 'agentgateway-constructs';
import { ManifestValidator, ValidationReport, loadCrds } from 'agentgateway-constructs/validate';

const key: SecretValue = generateKey('team1');
const validator: ManifestValidator = loadCrds(['crds.yaml']);
export const report: ValidationReport = validator.validate([{ object: { apiVersion: 'v1', kind: 'Secret' } }]);
export const value: string = key.unsafeUnwrap();
