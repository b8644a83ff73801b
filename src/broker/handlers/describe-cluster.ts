import { describeClusterRequest, describeClusterResponse } from '../../protocol/generated/describe-cluster.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { clusterAuthorizedOperations } from '../security/authorized-operations.ts';
import { defineHandler } from './handler.ts';

/** DescribeCluster endpoint types (v1+): 1 = brokers; 2 = controllers, which a broker does not serve. */
const BROKER_ENDPOINT_TYPE = 1;

export const describeClusterHandler = defineHandler({
  request: describeClusterRequest,
  response: describeClusterResponse,
  minVersion: 0,
  maxVersion: 1,
  handle(request, context) {
    const { broker } = context;
    const endpointType = request.endpointType ?? BROKER_ENDPOINT_TYPE;
    const base = {
      throttleTimeMs: 0,
      clusterAuthorizedOperations: clusterAuthorizedOperations(context, request.includeClusterAuthorizedOperations),
      endpointType,
      clusterId: broker.metadata.clusterId,
      controllerId: broker.cluster.controllerId,
    };
    if (endpointType !== BROKER_ENDPOINT_TYPE) {
      return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Brokers answer for broker endpoints only', controllerId: -1, brokers: [] };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: broker.cluster.aliveBrokers(context.listenerName).map(({ id, host, port, rack }) => ({ brokerId: id, host, port, rack })),
    };
  },
});
