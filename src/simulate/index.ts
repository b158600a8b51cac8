export * from './expect';
export * from './format';
export * from './manifests';
export * from './rate-limits';
export * from './simulate';
export * from './standalone';
