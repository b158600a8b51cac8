import { checkDnsSubdomain, checkSecretDataKey } from './checks';
import { IssueCollector } from './errors';
import { SecretValue } from './secret-value';

export interface SecretCredentialOptions {
  /**
   * Data entry of the Secret that holds the credential.
   * @default 'Authorization' (a leading `Bearer ` is stripped)
   */
  readonly key?: string;
}

export interface AwsCredentialOptions {
  /**
   * Region used to sign requests.
   * @default - the backend's region
   */
  readonly region?: string;
  /**
   * IAM role to assume (with the gateway's ambient credentials) before signing.
   * @default - the default AWS credential chain, no role assumed
   */
  readonly roleArn?: string;
}

export interface GcpCredentialOptions {
  /**
   * Kind of Google token to send.
   * @default 'AccessToken'
   */
  readonly type?: 'AccessToken' | 'IdToken';
  /**
   * `aud` of the ID token; only with `type: 'IdToken'`.
   * @default - derived from the backend host
   */
  readonly audience?: string;
}

type CredentialKind = 'secretRef' | 'inlineKey' | 'passthrough' | 'aws' | 'gcp';

/**
 * How the gateway authenticates to the LLM provider: the real provider key that clients never see.
 * Written to the backend's `spec.policies.auth`.
 */
export class ProviderCredential {
  /** Reads the credential from an existing Secret in the route's namespace. */
  public static fromSecret(secretName: string, options: SecretCredentialOptions = {}): ProviderCredential {
    return new ProviderCredential('secretRef', { secretName, key: options.key });
  }

  /**
   * Writes the provider key into the backend manifest itself. The least safe choice: the key is in every copy
   * of the manifests. Prefer {@link ProviderCredential.fromSecret}.
   */
  public static inlineKey(key: SecretValue): ProviderCredential {
    return new ProviderCredential('inlineKey', { key });
  }

  /** Forwards the client's own token, already validated by another policy. */
  public static passthrough(): ProviderCredential {
    return new ProviderCredential('passthrough', {});
  }

  /** Signs requests with AWS credentials (for Bedrock). */
  public static aws(options: AwsCredentialOptions = {}): ProviderCredential {
    return new ProviderCredential('aws', { ...options });
  }

  /** Uses Google credentials (for Vertex AI). */
  public static gcp(options: GcpCredentialOptions = {}): ProviderCredential {
    return new ProviderCredential('gcp', { ...options });
  }

  private constructor(
    public readonly kind: CredentialKind,
    private readonly options: {
      readonly secretName?: string; readonly key?: string | SecretValue;
      readonly region?: string; readonly roleArn?: string; readonly type?: string; readonly audience?: string;
    },
  ) {}

  /** Name of the referenced Secret, for `fromSecret`. */
  public get secretName(): string | undefined {
    return this.options.secretName;
  }

  /** Checks the options; key material is never shown. */
  public check(issues: IssueCollector, field: string): void {
    const o = this.options;
    switch (this.kind) {
      case 'secretRef':
        checkDnsSubdomain(issues, `${field}.secretName`, o.secretName);
        if (o.key !== undefined) checkSecretDataKey(issues, `${field}.key`, o.key);
        break;
      case 'inlineKey':
        if (!(o.key instanceof SecretValue) || o.key.length === 0 || o.key.length > 2048) {
          issues.add(`${field}.key`, o.key, 'a non-empty SecretValue of at most 2048 characters');
        }
        break;
      case 'aws':
        if (o.roleArn !== undefined && !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/.test(o.roleArn)) {
          issues.add(`${field}.roleArn`, o.roleArn, 'an IAM role ARN such as "arn:aws:iam::123456789012:role/name"');
        }
        break;
      case 'gcp':
        if (o.audience !== undefined && o.type !== 'IdToken') {
          issues.add(`${field}.audience`, o.audience, 'no audience unless type is "IdToken"');
        }
        break;
    }
  }

  /** The `spec.policies.auth` object. */
  public toSpec(): Record<string, unknown> {
    const o = this.options;
    switch (this.kind) {
      case 'secretRef':
        return { secretRef: o.key === undefined ? { name: o.secretName } : { name: o.secretName, key: o.key } };
      case 'inlineKey':
        return { key: o.key instanceof SecretValue ? o.key.unsafeUnwrap() : '' };
      case 'passthrough':
        return { passthrough: {} };
      case 'aws':
        return {
          aws: {
            ...(o.region === undefined ? {} : { region: o.region }),
            ...(o.roleArn === undefined ? {} : { assumeRole: { roleArn: o.roleArn } }),
          },
        };
      case 'gcp':
        return {
          gcp: {
            ...(o.type === undefined ? {} : { type: o.type }),
            ...(o.audience === undefined ? {} : { audience: o.audience }),
          },
        };
    }
  }
}
