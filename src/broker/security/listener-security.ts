import type { TLSSocket, TlsOptions } from 'node:tls';
import type { BrokerConfig, ListenerEndpoint } from '../config.ts';
import { ConfigError } from '../config-definition.ts';
import { listenerMechanismSetting, listenerSetting } from '../listener-configs.ts';
import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import { ANONYMOUS, userPrincipal, type KafkaPrincipal } from './kafka-principal.ts';
import { SaslAuthenticator, type AuthenticatedConnection, type AuthenticationStats } from './sasl-authenticator.ts';
import { createSaslServer, plainUsersFromJaasConfig } from './sasl/sasl-server.ts';
import { SASL_MECHANISMS, type SaslServerConfig, type ScramCredentialLookup } from './sasl/sasl-server-types.ts';
import { sslServerOptions } from './ssl-context.ts';
import { rfc2253Subject, sslPrincipalMapper } from './ssl-principal-mapper.ts';
import { createOAuthBearerValidator } from './sasl/oauthbearer-server.ts';

/** How one listener secures its connections: what the Listener takes besides its address. */
export interface ListenerSecurity {
  readonly tls?: TlsOptions;
  readonly tlsPrincipal?: (socket: TLSSocket) => KafkaPrincipal;
  readonly saslAuthenticator?: (connection: AuthenticatedConnection) => SaslAuthenticator;
}

export interface ListenerSecurityDependencies {
  readonly time: Time;
  readonly logger: Logger;
  /** SCRAM credentials (the users' entity configs). */
  readonly scramCredential?: ScramCredentialLookup;
  readonly stats?: AuthenticationStats;
}

/**
 * Builds a listener's TLS and SASL from its settings (listener.name.<l>.* over the broker-wide
 * keys), failing the start with a ConfigError naming the key when something is missing, as Kafka does.
 */
export async function listenerSecurity(config: BrokerConfig, endpoint: ListenerEndpoint, dependencies: ListenerSecurityDependencies): Promise<ListenerSecurity> {
  const protocol = endpoint.securityProtocol;
  const name = endpoint.name;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const tls = usesTls ? sslServerOptions(config, name) : undefined;
  let tlsPrincipal: ListenerSecurity['tlsPrincipal'];
  if (protocol === 'SSL') {
    const mapper = sslPrincipalMapper(listenerSetting(config, name, 'ssl.principal.mapping.rules'));
    tlsPrincipal = (socket) => {
      // Only a certificate the truststore vouches for names the client (ssl.client.auth=requested lets others in as ANONYMOUS).
      if (!socket.authorized) return ANONYMOUS;
      const certificate = socket.getPeerX509Certificate();
      return certificate === undefined ? ANONYMOUS : userPrincipal(mapper(rfc2253Subject(certificate.subject)));
    };
  }
  if (!usesSasl) return { ...(tls === undefined ? {} : { tls }), ...(tlsPrincipal === undefined ? {} : { tlsPrincipal }) };

  const mechanisms = listenerSetting(config, name, 'sasl.enabled.mechanisms');
  for (const mechanism of mechanisms) {
    if (!SASL_MECHANISMS.includes(mechanism)) {
      throw new ConfigError('sasl.enabled.mechanisms', `${mechanism} is not supported on listener ${name} (Samsa has ${SASL_MECHANISMS.join(', ')})`);
    }
  }
  const serverConfig = await saslServerConfig(config, name, mechanisms, dependencies);
  const options = {
    enabledMechanisms: mechanisms,
    newSaslServer: (mechanism: string, reauthenticating: boolean) => createSaslServer(mechanism, serverConfig, { reauthenticating }),
    maxReauthMs: listenerSetting(config, name, 'connections.max.reauth.ms'),
    failedAuthenticationDelayMs: config.connectionFailedAuthenticationDelayMs,
    time: dependencies.time,
    logger: dependencies.logger.child({ listener: name }),
    ...(dependencies.stats === undefined ? {} : { stats: dependencies.stats }),
  };
  return {
    ...(tls === undefined ? {} : { tls }),
    saslAuthenticator: (connection) => new SaslAuthenticator(connection, options),
  };
}

async function saslServerConfig(config: BrokerConfig, listenerName: string, mechanisms: readonly string[], dependencies: ListenerSecurityDependencies): Promise<SaslServerConfig> {
  let plainUsers: ReadonlyMap<string, string> | undefined;
  if (mechanisms.includes('PLAIN')) {
    const jaas = listenerMechanismSetting(config, listenerName, 'PLAIN', 'sasl.jaas.config');
    if (jaas === null) {
      throw new ConfigError(`listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config`, 'PLAIN is enabled but no users are configured (PlainLoginModule with user_<name>="<password>" options)');
    }
    plainUsers = plainUsersFromJaasConfig(jaas);
  }
  return {
    ...(plainUsers === undefined ? {} : { plainUsers }),
    ...(dependencies.scramCredential === undefined ? {} : { scramCredential: dependencies.scramCredential }),
    ...(mechanisms.includes('OAUTHBEARER') ? { oauthBearerValidator: await oauthBearerValidator(config, listenerName) } : {}),
  };
}

/**
 * OAUTHBEARER: Kafka's unsecured validator (development; its options in the listener's
 * OAuthBearerLoginModule JAAS config), or, when the listener's oauthbearer.sasl.server.callback.handler.class
 * names OAuthBearerValidatorCallbackHandler, signed tokens checked against the sasl.oauthbearer.* JWKS.
 */
async function oauthBearerValidator(config: BrokerConfig, listenerName: string) {
  const perMechanism = (key: string) => listenerMechanismSetting(config, listenerName, 'OAUTHBEARER', key);
  const jwksEndpointUrl = listenerSetting(config, listenerName, 'sasl.oauthbearer.jwks.endpoint.url');
  const expectedIssuer = listenerSetting(config, listenerName, 'sasl.oauthbearer.expected.issuer');
  try {
    const validator = createOAuthBearerValidator({
      serverCallbackHandlerClass: perMechanism('sasl.server.callback.handler.class') ?? config.saslServerCallbackHandlerClass ?? undefined,
      jaasConfig: perMechanism('sasl.jaas.config') ?? undefined,
      jwks: {
        ...(jwksEndpointUrl === null ? {} : { jwksEndpointUrl }),
        expectedAudience: listenerSetting(config, listenerName, 'sasl.oauthbearer.expected.audience'),
        ...(expectedIssuer === null ? {} : { expectedIssuer }),
        subClaimName: listenerSetting(config, listenerName, 'sasl.oauthbearer.sub.claim.name'),
        scopeClaimName: listenerSetting(config, listenerName, 'sasl.oauthbearer.scope.claim.name'),
        clockSkewSeconds: listenerSetting(config, listenerName, 'sasl.oauthbearer.clock.skew.seconds'),
        jwksEndpointRefreshMs: listenerSetting(config, listenerName, 'sasl.oauthbearer.jwks.endpoint.refresh.ms'),
      },
    });
    // A file: JWKS that cannot be read stops the start, as Kafka's broker fails to configure the handler.
    if ('ready' in validator) await validator.ready();
    return validator;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const key = jwksEndpointUrl !== null ? 'sasl.oauthbearer.jwks.endpoint.url' : `listener.name.${listenerName.toLowerCase()}.oauthbearer.sasl.jaas.config`;
    throw new ConfigError(key, (error as Error).message);
  }
}
