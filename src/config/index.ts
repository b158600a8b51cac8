export * from './build';
export * from './load';
export * from './matrix';
export * from './output';
export * from './schema';
export * from './seed';
