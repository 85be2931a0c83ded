/** Bearer-token auth: the token table, the interceptor, and per-project checks for handlers. */
export { ALL_PROJECTS, createTokenTable } from "./token-table";
export type { Principal, TokenGrant, TokenTable } from "./token-table";
export { ANONYMOUS, bearerToken, createAuthorizer } from "./authorizer";
export type { Authorizer } from "./authorizer";
export { createAuthCheck, createAuthInterceptor, isPublicMethod, PUBLIC_SERVICE_PREFIXES } from "./interceptor";
export { loadTokensFile, parseTokensFile, TokensFileError } from "./tokens-file";
