export * from './build';
export * from './load';
export * from './matrix';
export * from './output';
export * from './output-folder';
export * from './schema';
export * from './seed';
