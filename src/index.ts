// The library: constructs for your own cdktf app, and the pure token contract.
export * from './contract';
export * from './constructs';
export { GuardError, InvalidInputError } from './errors';
