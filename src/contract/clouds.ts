import { InvalidInputError } from '../errors';
import { checkUrlInput, isLoopbackHost } from './urls';
import { isUnresolved, trimTrailingSlash } from './values';

export { isLoopbackHost } from './urls';

export const CLOUD_NAMES = ['public', 'usgov', 'china', 'local'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** Where a cloud's Entra ID lives, and what it expects in federated credentials. */
export interface Cloud {
  readonly name: CloudName;
  /** Authority host for token requests and v2 issuers, without a trailing slash. */
  readonly authorityHost: string;
  /** Host part of v1 (`ver: 1.0`) issuers, without a trailing slash. */
  readonly v1IssuerHost: string;
  /** The single audience a federated identity credential must list in this cloud. */
  readonly federationAudience: string;
  /**
   * Microsoft Graph's `.default` scope in this cloud: any caller can get a token for it, which makes
   * it the genuine other-audience token of the gate's wrong-audience probe. None for `local`.
   */
  readonly graphScope?: string;
}

const SOVEREIGN: Record<Exclude<CloudName, 'local'>, Omit<Cloud, 'name'>> = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    v1IssuerHost: 'https://sts.windows.net',
    federationAudience: 'api://AzureADTokenExchange',
    graphScope: 'https://graph.microsoft.com/.default',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    // US Government tenants keep the global v1 issuer host.
    v1IssuerHost: 'https://sts.windows.net',
    federationAudience: 'api://AzureADTokenExchangeUSGov',
    graphScope: 'https://graph.microsoft.us/.default',
  },
  china: {
    authorityHost: 'https://login.partner.microsoftonline.cn',
    v1IssuerHost: 'https://sts.chinacloudapi.cn',
    federationAudience: 'api://AzureADTokenExchangeChina',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
  },
};

/** The loopback emulators serve v1 issuers under this path of the authority host. */
export const LOCAL_V1_ISSUER_PATH = '/sts';

/**
 * Resolves a cloud by name. `authorityHost` overrides the cloud's host (a proxy, or the loopback Entra
 * emulator for `local`, where it is required).
 */
export function resolveCloud(name: string, authorityHost?: string): Cloud {
  if (!(CLOUD_NAMES as readonly string[]).includes(name)) {
    throw new InvalidInputError('cloud', name, `one of ${CLOUD_NAMES.join(', ')}`);
  }
  const cloudName = name as CloudName;
  const host = authorityHost === undefined || authorityHost === '' ? undefined : checkAuthorityHost(authorityHost, cloudName);
  if (cloudName === 'local') {
    if (host === undefined) {
      throw new InvalidInputError('authorityHost', authorityHost, 'the loopback URL of the Entra emulator (e.g. http://127.0.0.1:8400) when cloud is local');
    }
    return {
      name: cloudName,
      authorityHost: host,
      v1IssuerHost: `${host}${LOCAL_V1_ISSUER_PATH}`,
      federationAudience: SOVEREIGN.public.federationAudience,
    };
  }
  const base = SOVEREIGN[cloudName];
  return { name: cloudName, ...base, authorityHost: host ?? base.authorityHost };
}

function checkAuthorityHost(value: string, cloud: CloudName): string {
  if (isUnresolved(value)) return value;
  const url = checkUrlInput('authorityHost', value, 'https://login.microsoftonline.com', { httpsUnlessLoopback: true });
  if (cloud === 'local' && !isLoopbackHost(url.hostname)) {
    throw new InvalidInputError('authorityHost', value, 'a loopback URL (127.0.0.1, localhost or [::1]) when cloud is local');
  }
  if (url.pathname !== '/') {
    throw new InvalidInputError('authorityHost', value, 'a scheme and host only, without a path (e.g. https://login.microsoftonline.us)');
  }
  return trimTrailingSlash(url.toString());
}
