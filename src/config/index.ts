export * from './build';
export * from './load';
export * from './matrix';
export * from './output';
export * from './problems';
export * from './schema';
export * from './seed';
