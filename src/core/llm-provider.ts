import { checkOptionKeys } from './checks';
import { IssueCollector } from './errors';

export interface OpenAiOptions {
  /**
   * Model that replaces the one named in each request.
   * @default - the request's model is used
   */
  readonly model?: string;
}

export interface AnthropicOptions {
  /**
   * Model that replaces the one named in each request.
   * @default - the request's model is used
   */
  readonly model?: string;
}

export interface GeminiOptions {
  /**
   * Model that replaces the one named in each request.
   * @default - the request's model is used
   */
  readonly model?: string;
}

export interface VertexAiOptions {
  /** Google Cloud project ID. */
  readonly projectId: string;
  /**
   * Google Cloud region.
   * @default - the gateway's default region
   */
  readonly region?: string;
  /**
   * Model that replaces the one named in each request.
   * @default - the request's model is used
   */
  readonly model?: string;
}

/** A Bedrock guardrail applied to every request. */
export interface BedrockGuardrail {
  readonly identifier: string;
  readonly version: string;
}

export interface BedrockOptions {
  /**
   * AWS region.
   * @default 'us-east-1' (the CRD's default)
   */
  readonly region?: string;
  /**
   * Model that replaces the one named in each request.
   * @default - the request's model is used
   */
  readonly model?: string;
  /**
   * Guardrail applied to every request.
   * @default - no guardrail
   */
  readonly guardrail?: BedrockGuardrail;
}

export interface AzureOpenAiOptions {
  /** Endpoint host of the Azure OpenAI resource, e.g. `my-resource.openai.azure.com`. */
  readonly endpoint: string;
  /**
   * Deployment name; required unless `apiVersion` is `v1`.
   * @default - none
   */
  readonly deploymentName?: string;
  /**
   * Azure OpenAI API version.
   * @default - the gateway's default
   */
  readonly apiVersion?: string;
}

/** The LLM providers an AgentgatewayBackend can route to. */
export type LlmProviderType = 'openai' | 'anthropic' | 'gemini' | 'vertexai' | 'bedrock' | 'azureopenai';

// Options each provider has in the AgentgatewayBackend CRD, and which are required.
const PROVIDER_OPTIONS: Record<LlmProviderType, { allowed: readonly string[]; required: readonly string[] }> = {
  openai: { allowed: ['model'], required: [] },
  anthropic: { allowed: ['model'], required: [] },
  gemini: { allowed: ['model'], required: [] },
  vertexai: { allowed: ['projectId', 'region', 'model'], required: ['projectId'] },
  bedrock: { allowed: ['region', 'model', 'guardrail'], required: [] },
  azureopenai: { allowed: ['endpoint', 'deploymentName', 'apiVersion'], required: ['endpoint'] },
};

/** Which LLM provider a route's backend calls, with that provider's options. */
export class LlmProvider {
  public static openai(options: OpenAiOptions = {}): LlmProvider {
    return new LlmProvider('openai', options);
  }

  public static anthropic(options: AnthropicOptions = {}): LlmProvider {
    return new LlmProvider('anthropic', options);
  }

  public static gemini(options: GeminiOptions = {}): LlmProvider {
    return new LlmProvider('gemini', options);
  }

  public static vertexai(options: VertexAiOptions): LlmProvider {
    return new LlmProvider('vertexai', options);
  }

  public static bedrock(options: BedrockOptions = {}): LlmProvider {
    return new LlmProvider('bedrock', options);
  }

  public static azureopenai(options: AzureOpenAiOptions): LlmProvider {
    return new LlmProvider('azureopenai', options);
  }

  /**
   * A provider from untyped input (a config file); unknown types and options are reported by validation.
   */
  public static fromType(type: string, options: Readonly<Record<string, unknown>> = {}): LlmProvider {
    return new LlmProvider(type as LlmProviderType, options);
  }

  /** The provider's options, as given. */
  public readonly options: Readonly<Record<string, unknown>>;

  private constructor(public readonly type: LlmProviderType, options: object) {
    this.options = { ...options };
  }

  /** The model override, if any. */
  public get model(): string | undefined {
    return typeof this.options.model === 'string' ? this.options.model : undefined;
  }

  /** The `spec.ai.provider.<type>` object. */
  public toSpec(): Record<string, unknown> {
    return { [this.type]: { ...this.options } };
  }
}

export function checkLlmProvider(issues: IssueCollector, field: string, provider: LlmProvider): void {
  const known = Object.hasOwn(PROVIDER_OPTIONS, provider.type) ? PROVIDER_OPTIONS[provider.type] : undefined;
  if (!known) {
    issues.add(`${field}.type`, provider.type, `one of ${Object.keys(PROVIDER_OPTIONS).map(t => `"${t}"`).join(', ')}`);
    return;
  }
  const options = provider.options;
  checkOptionKeys(issues, `${field}.${provider.type}`, options, known.allowed, known.required);
  for (const key of ['model', 'projectId', 'region', 'endpoint', 'deploymentName', 'apiVersion']) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 256)) {
      issues.add(`${field}.${provider.type}.${key}`, value, 'a non-empty string of at most 256 characters');
    }
  }
  if (provider.type === 'bedrock' && typeof options.region === 'string' && !/^[a-z0-9-]+$/.test(options.region)) {
    issues.add(`${field}.bedrock.region`, options.region, 'an AWS region such as "us-east-1"');
  }
  if (provider.type === 'azureopenai' && options.apiVersion !== undefined && options.apiVersion !== 'v1'
    && options.deploymentName === undefined) {
    issues.add(`${field}.azureopenai.deploymentName`, undefined, 'a deployment name (required unless apiVersion is "v1")');
  }
}
