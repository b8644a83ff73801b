import { apiVersionsRequest, apiVersionsResponse } from '../../protocol/generated/api-versions.ts';
import type { ApiVersionsResponseApiVersion } from '../../protocol/generated/api-versions.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler, type ApiHandler } from './handler.ts';

/** KIP-511's rule for ClientSoftwareName and ClientSoftwareVersion. */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** The ranges Samsa advertises, computed from the handler table so the two can never disagree. */
export function supportedApiVersions(handlers: readonly ApiHandler[]): ApiVersionsResponseApiVersion[] {
  return handlers
    .map((handler) => ({ apiKey: handler.request.apiKey, minVersion: handler.minVersion, maxVersion: handler.maxVersion }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

export const apiVersionsHandler = defineHandler({
  request: apiVersionsRequest,
  response: apiVersionsResponse,
  minVersion: 0,
  maxVersion: 4,
  handle(request, context) {
    const apiKeys = [...context.broker.apiVersions];
    if (
      context.apiVersion >= 3 &&
      !(SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareName ?? '') &&
        SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareVersion ?? ''))
    ) {
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys, throttleTimeMs: 0 };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});
