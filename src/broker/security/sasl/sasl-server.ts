import { scramMechanism } from '../../../protocol/sasl/scram.ts';
import { OAUTHBEARER_MECHANISM } from '../../../protocol/sasl/oauthbearer.ts';
import { OAuthBearerSaslServer } from './oauthbearer-server.ts';
import { PLAIN_MECHANISM, PlainSaslServer } from './plain-server.ts';
import { ScramSaslServer } from './scram-server.ts';
import type { SaslServer, SaslServerConfig, SaslServerContext, SaslServerOptions } from './sasl-server-types.ts';

export {
  SASL_MECHANISMS,
  SaslAuthenticationError,
  invalidCredentialsMessage,
  type SaslServer,
  type SaslServerConfig,
  type SaslServerOptions,
  type ScramCredentialLookup,
} from './sasl-server-types.ts';
export { plainUsersFromJaasConfig } from './plain-server.ts';
export { createOAuthBearerValidator, type OAuthBearerServerSettings } from './oauthbearer-server.ts';
export { jwksOAuthBearerValidator, type JwksOAuthBearerValidator, type JwksValidatorConfig } from './oauthbearer-jwks.ts';
export { unsecuredOAuthBearerValidator, type OAuthBearerToken, type OAuthBearerValidator } from './oauthbearer-validators.ts';

/**
 * A SaslServer for one exchange with `mechanism` (the name the client chose in SaslHandshake).
 * Throws when the broker does not serve the mechanism or the listener lacks its configuration,
 * which the authenticator answers with UNSUPPORTED_SASL_MECHANISM before any exchange starts.
 */
export function createSaslServer(mechanism: string, config: SaslServerConfig, options: SaslServerOptions = {}): SaslServer {
  const context: SaslServerContext = { mechanism, reauthenticating: options.reauthenticating ?? false };
  if (mechanism === PLAIN_MECHANISM) {
    if (config.plainUsers === undefined) throw new Error('SASL mechanism PLAIN has no users configured (plain.sasl.jaas.config)');
    return new PlainSaslServer(config.plainUsers, context);
  }
  const scram = scramMechanism(mechanism);
  if (scram !== undefined) {
    if (config.scramCredential === undefined) throw new Error(`SASL mechanism ${mechanism} has no credential store`);
    return new ScramSaslServer(scram, config.scramCredential, context, config.randomBytes);
  }
  if (mechanism === OAUTHBEARER_MECHANISM) {
    if (config.oauthBearerValidator === undefined) throw new Error('SASL mechanism OAUTHBEARER has no token validator');
    return new OAuthBearerSaslServer(config.oauthBearerValidator, context);
  }
  throw new Error(`Unsupported SASL mechanism ${mechanism}`);
}
