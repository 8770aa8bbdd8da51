export * from './definition';
export * from './errors';
export * from './gateway-server';
export * from './route-match';
export { authorizeJwt, scopesOf, stripBearer, challenge, type AuthorizerOutcome, type JwtCheckOptions, type RsaAlgorithm } from './jwt-authorizer';
export { KeyStore, KeyFetchError, MAX_CACHE_TTL_MS, type KeyStoreOptions } from './key-store';
export { buildEventV2, interpretLambdaResult, stringifyClaims, type ProxyResponse } from './payload-v2';
export { readZip, extractZip, type ZipEntry } from './zip-reader';
export { formatAccessLog, type AccessLogRecord } from './access-log';
