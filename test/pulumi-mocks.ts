import * as pulumi from '@pulumi/pulumi';
import type * as AgwPulumi from '../src/pulumi';
import type { SynthSettings } from '../src';

/** The Pulumi adapter under mocks, and the inputs of every resource a test's program registered. */
export interface PulumiMocks {
  /** The adapter, imported after the mocks are set, as Pulumi requires. */
  readonly agw: typeof AgwPulumi;
  /** Inputs of every resource registered since the test began, as the engine would receive them. */
  readonly registered: pulumi.runtime.MockResourceArgs[];
}

/**
 * Sets Pulumi's mocks for the test file and starts every test with a fresh stack (`settings` for `configureStack`);
 * the returned object is filled in before the first test runs.
 */
export function usePulumiMocks(settings: () => SynthSettings): PulumiMocks {
  const mocks = { registered: [] as pulumi.runtime.MockResourceArgs[] } as { agw: typeof AgwPulumi; registered: pulumi.runtime.MockResourceArgs[] };
  beforeAll(async () => {
    await pulumi.runtime.setMocks({
      newResource: args => {
        mocks.registered.push(args);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: args => args.inputs,
    }, 'agentgateway', 'test', false);
    mocks.agw = await import('../src/pulumi');
  });
  beforeEach(() => {
    mocks.registered.length = 0;
    mocks.agw.configureStack(settings());
  });
  return mocks;
}
