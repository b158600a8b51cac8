import { createHash } from 'node:crypto';
import { checkDnsSubdomain, checkNonEmptyString } from './checks';
import { IssueCollector } from './errors';
import { KeyStorage, hashKey, isKeyHash } from './key-storage';
import { estimateKeyBits } from './key-strength';
import { API_KEY_ENTRY, API_KEY_SECRET_TYPE, Manifest, ObjectMeta, base64 } from './manifest';
import { SecretValue } from './secret-value';

/** apiVersion and kind of the secret-store resources key sources emit. */
export const KEY_SOURCE_KINDS = {
  externalSecret: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' },
  sealedSecret: { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' },
} as const;

export interface ExternalSecretKeyOptions {
  /** Name of the `SecretStore` or `ClusterSecretStore` that holds the key. */
  readonly storeName: string;
  /**
   * Kind of the store.
   * @default 'ClusterSecretStore'
   */
  readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
  /** Key of the secret in the store, e.g. `llm-gateway/team1`. */
  readonly remoteKey: string;
  /**
   * Property inside that secret, for stores that hold JSON documents.
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * Version of the remote secret.
   * @default - the latest
   */
  readonly version?: string;
  /**
   * How often External Secrets re-reads the store (a Go duration).
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

export interface SealedSecretKeyOptions {
  /** The key, already encrypted with `kubeseal --raw` for this Secret's name and namespace. */
  readonly encryptedKey: string;
}

export interface ExistingSecretKeyOptions {
  /**
   * Metadata entries the existing Secret carries, so required identity headers can be checked.
   * @default - unknown: a policy with required `headersFromMetadata` reports the key until they are declared
   */
  readonly metadataKeys?: readonly string[];
}

type SourceKind = 'literal' | 'externalSecret' | 'sealedSecret' | 'existingSecret' | 'hash' | 'invalid';

/** Everything a key source needs to render the team's key Secret (or what materializes it). */
export interface KeySecretShape {
  readonly metadata: ObjectMeta;
  /** Metadata entries stored beside the key (header values such as `x-org`). */
  readonly entries: Readonly<Record<string, string>>;
  readonly storage: KeyStorage;
}

/** Which key sources each storage can use. */
const SOURCES_BY_STORAGE: Record<KeyStorage['kind'], readonly SourceKind[]> = {
  extAuthSecret: ['literal', 'externalSecret', 'sealedSecret', 'existingSecret'],
  builtInSecret: ['literal', 'externalSecret', 'existingSecret'],
  builtInHashedConfigMap: ['literal', 'hash'],
};

const SOURCE_NAMES: Record<SourceKind, string> = {
  literal: 'a literal key', externalSecret: 'KeySource.fromExternalSecret', sealedSecret: 'KeySource.fromSealedSecret',
  existingSecret: 'KeySource.fromExistingSecret', hash: 'KeySource.fromHash', invalid: 'an invalid key',
};

const STORAGE_NAMES: Record<KeyStorage['kind'], string> = {
  extAuthSecret: 'ext-auth key Secrets', builtInSecret: 'built-in key Secrets', builtInHashedConfigMap: 'hashed-key ConfigMaps',
};

const ASCII = /^[\x00-\x7f]*$/;

/**
 * {@link base64} of the text's UTF-8 bytes. ASCII text is its own UTF-8, so `btoa` gives the same characters, a few
 * times faster than a Buffer per value (two values per key Secret).
 */
function encode(text: string): string {
  return typeof text === 'string' && ASCII.test(text) ? btoa(text) : base64(text);
}

/**
 * Where a team's key lives. Every source ends in the same key Secret (type `extauth.solo.io/apikey`, the key in
 * `api-key`, metadata entries beside it, the team's labels), so auth policies select it the same way.
 */
export class KeySource {
  /** The key itself, written into the manifests: for demos and the workshop; prefer the other sources. */
  public static literal(key: SecretValue): KeySource {
    return new KeySource('literal', { key });
  }

  /**
   * An External Secrets Operator `ExternalSecret` that materializes the key Secret from a secret store. The key
   * never appears in the manifests.
   */
  public static fromExternalSecret(options: ExternalSecretKeyOptions): KeySource {
    return new KeySource('externalSecret', { external: options });
  }

  /** A Bitnami `SealedSecret` holding the key encrypted with `kubeseal`; only the cluster can decrypt it. */
  public static fromSealedSecret(options: SealedSecretKeyOptions): KeySource {
    return new KeySource('sealedSecret', { encryptedKey: options.encryptedKey });
  }

  /**
   * A key Secret managed elsewhere: nothing is emitted. With ext-auth and `KeySelection.secretRefs()`, the policy
   * references it by name. With built-in auth the policy selects Secrets by label: the Secret must carry the policy's
   * selector labels and agentgateway's data format (one entry named after the Secret holding
   * `{"key": ..., "metadata": {...}}`); synth warns about it (an error in strict mode).
   */
  public static fromExistingSecret(options: ExistingSecretKeyOptions = {}): KeySource {
    return new KeySource('existingSecret', { metadataKeys: options.metadataKeys });
  }

  /**
   * Only the key's hash (`sha256:<hex>`, from `hashKey()` or the CLI's `hash`): for hashed-key ConfigMaps, where no
   * plaintext key exists in git or in the cluster.
   */
  public static fromHash(keyHash: string): KeySource {
    return new KeySource('hash', { keyHash });
  }

  /** Wraps untyped input; anything but a KeySource or SecretValue is reported by validation, never shown. */
  public static of(value: KeySource | SecretValue | unknown): KeySource {
    if (value instanceof KeySource) return value;
    if (value instanceof SecretValue) return KeySource.literal(value);
    return new KeySource('invalid', {});
  }

  private constructor(
    public readonly kind: SourceKind,
    private readonly options: {
      readonly key?: SecretValue; readonly external?: ExternalSecretKeyOptions; readonly encryptedKey?: string;
      readonly metadataKeys?: readonly string[]; readonly keyHash?: string;
    },
  ) {}

  /** The literal key, for literal sources only. */
  public get literalKey(): SecretValue | undefined {
    return this.options.key;
  }

  /**
   * The estimated strength of a literal key in bits ({@link estimateKeyBits}), kept once computed since warnings are
   * computed on every synth; undefined for other sources.
   */
  public literalKeyBits(): number | undefined {
    const key = this.options.key;
    if (key === undefined) return undefined;
    return this.cachedKeyBits ??= estimateKeyBits(key);
  }

  private cachedKeyBits?: number;

  /**
   * What makes two sources hold the same key, for the uniqueness check; never the key itself.
   * Undefined where equality cannot be known (sealed and existing Secrets).
   */
  public identity(): string | undefined {
    if (this.cachedIdentity === undefined) this.cachedIdentity = this.computeIdentity() ?? null;
    return this.cachedIdentity ?? undefined;
  }

  private cachedIdentity?: string | null;

  private computeIdentity(): string | undefined {
    const o = this.options;
    switch (this.kind) {
      case 'literal':
        return o.key!.length > 0 ? hashKey(o.key!) : undefined;
      case 'hash':
        return o.keyHash;
      case 'sealedSecret':
        // The same ciphertext decrypts to the same key, wherever it is copied.
        return typeof o.encryptedKey === 'string' && o.encryptedKey.trim() !== ''
          ? `sealed:${createHash('sha256').update(o.encryptedKey).digest('hex')}` : undefined;
      case 'externalSecret':
        if (typeof o.external !== 'object' || o.external === null) return undefined;
        return `external:${o.external!.storeKind ?? 'ClusterSecretStore'}/${o.external!.storeName}/${o.external!.remoteKey}`
          + `#${o.external!.property ?? ''}@${o.external!.version ?? ''}`;
      default:
        return undefined;
    }
  }

  /** Metadata entries the key Secret will carry, or undefined when managed elsewhere and not declared. */
  public metadataKeys(entries: Readonly<Record<string, string>>): readonly string[] | undefined {
    return this.kind === 'existingSecret' ? this.options.metadataKeys : Object.keys(entries);
  }

  public check(issues: IssueCollector, field: string, entries: Readonly<Record<string, string>>, storage: KeyStorage): void {
    const o = this.options;
    if (!Object.hasOwn(SOURCES_BY_STORAGE, storage?.kind)) {
      issues.add('keyStorage', storage?.kind, `one of ${Object.keys(SOURCES_BY_STORAGE).map(k => `"${k}"`).join(', ')}`);
      return;
    }
    if (this.kind !== 'invalid' && !SOURCES_BY_STORAGE[storage.kind].includes(this.kind)) {
      issues.add(field, SOURCE_NAMES[this.kind], `a key source that works with ${STORAGE_NAMES[storage.kind]}: `
        + SOURCES_BY_STORAGE[storage.kind].map(k => SOURCE_NAMES[k]).join(', '));
      return;
    }
    switch (this.kind) {
      case 'invalid':
        // Shown redacted all the same: a plain string here is still a key.
        issues.add(field, { redacted: true }, 'a SecretValue or a KeySource, e.g. KeySource.fromExternalSecret(...)');
        break;
      case 'literal':
        if (o.key!.length === 0) issues.add(field, '', 'a non-empty key');
        else if (/[\s\0]/.test(o.key!.unsafeUnwrap())) {
          issues.add(field, o.key, 'a key without whitespace or control characters (clients send it in a header)');
        }
        break;
      case 'externalSecret': {
        const e = o.external!;
        checkDnsSubdomain(issues, `${field}.storeName`, e.storeName);
        checkNonEmptyString(issues, `${field}.remoteKey`, e.remoteKey);
        if (e.storeKind !== undefined && e.storeKind !== 'SecretStore' && e.storeKind !== 'ClusterSecretStore') {
          issues.add(`${field}.storeKind`, e.storeKind, '"SecretStore" or "ClusterSecretStore"');
        }
        if (e.refreshInterval !== undefined && !/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(e.refreshInterval)) {
          issues.add(`${field}.refreshInterval`, e.refreshInterval, 'a Go duration such as "1h" or "15m"');
        }
        for (const [entry, value] of Object.entries(entries)) {
          if (typeof value === 'string' && value.includes('{{')) issues.add(`metadata.${entry}`, value, 'a value without "{{" (ExternalSecret templates would expand it)');
        }
        break;
      }
      case 'sealedSecret':
        checkNonEmptyString(issues, `${field}.encryptedKey`, o.encryptedKey);
        break;
      case 'hash':
        // Shown redacted: a value that is not a hash may be the key itself, pasted in the wrong place.
        if (!isKeyHash(o.keyHash)) {
          issues.add(field, { redacted: true }, 'a key hash "sha256:" followed by 64 lowercase hex digits (from `agentgateway-constructs hash` '
            + 'or hashKey()), never the key itself');
        }
        break;
    }
  }

  /** The manifest that puts the key in the cluster in `shape.storage`'s format, or undefined when nothing is emitted. */
  public render(shape: KeySecretShape): Manifest | undefined {
    switch (shape.storage.kind) {
      case 'extAuthSecret': return this.renderExtAuthSecret(shape);
      case 'builtInSecret': return this.renderBuiltInSecret(shape);
      case 'builtInHashedConfigMap': return this.renderHashedConfigMap(shape);
    }
  }

  private renderExtAuthSecret(shape: KeySecretShape): Manifest | undefined {
    const o = this.options;
    const { metadata, entries } = shape;
    switch (this.kind) {
      case 'literal': {
        const data: Record<string, string> = { [API_KEY_ENTRY]: encode(o.key!.unsafeUnwrap()) };
        const names = Object.keys(entries);
        for (let i = 0; i < names.length; i++) data[names[i]] = encode(entries[names[i]]);
        return { apiVersion: 'v1', kind: 'Secret', metadata, type: API_KEY_SECRET_TYPE, data };
      }
      case 'externalSecret':
        return this.renderExternalSecret(metadata, API_KEY_SECRET_TYPE, { [API_KEY_ENTRY]: '{{ .apiKey }}', ...entries });
      case 'sealedSecret':
        return {
          ...KEY_SOURCE_KINDS.sealedSecret,
          metadata: { name: metadata.name, namespace: metadata.namespace },
          spec: {
            encryptedData: { [API_KEY_ENTRY]: o.encryptedKey },
            template: {
              type: API_KEY_SECRET_TYPE,
              metadata: { ...metadata },
              ...(Object.keys(entries).length > 0 ? { data: { ...entries } } : {}),
            },
          },
        };
      default:
        return undefined;
    }
  }

  /** agentgateway's own format: one data entry, named after the Secret, holding `{"key", "metadata"}` as JSON. */
  private renderBuiltInSecret(shape: KeySecretShape): Manifest | undefined {
    const { metadata, entries } = shape;
    switch (this.kind) {
      case 'literal': {
        const entry = JSON.stringify({ key: this.options.key!.unsafeUnwrap(), metadata: entries });
        return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: { [metadata.name]: encode(entry) } };
      }
      case 'externalSecret':
        // The key is spliced in as a JSON string by the template; the metadata is already JSON.
        return this.renderExternalSecret(metadata, 'Opaque', {
          [metadata.name]: `{"key":{{ .apiKey | toJson }},"metadata":${JSON.stringify(entries)}}`,
        });
      default:
        return undefined;
    }
  }

  private renderHashedConfigMap(shape: KeySecretShape): Manifest | undefined {
    // A literal key's identity is its hash, already computed for the uniqueness check.
    const keyHash = this.kind === 'literal' ? this.identity() ?? hashKey(this.options.key!) : this.kind === 'hash' ? this.options.keyHash : undefined;
    if (keyHash === undefined) return undefined;
    const { metadata, entries } = shape;
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [metadata.name]: JSON.stringify({ keyHash, metadata: entries }) } };
  }

  private renderExternalSecret(metadata: ObjectMeta, type: string, data: Record<string, string>): Manifest {
    const e = this.options.external!;
    const remoteRef = { key: e.remoteKey, ...(e.property ? { property: e.property } : {}), ...(e.version ? { version: e.version } : {}) };
    const { name, namespace, ...templateMetadata } = metadata;
    return {
      ...KEY_SOURCE_KINDS.externalSecret,
      metadata: { name, namespace },
      spec: {
        refreshInterval: e.refreshInterval ?? '1h',
        secretStoreRef: { kind: e.storeKind ?? 'ClusterSecretStore', name: e.storeName },
        target: {
          name,
          creationPolicy: 'Owner',
          template: {
            engineVersion: 'v2',
            type,
            ...(Object.keys(templateMetadata).length > 0 ? { metadata: templateMetadata } : {}),
            data,
          },
        },
        data: [{ secretKey: 'apiKey', remoteRef }],
      },
    };
  }
}
