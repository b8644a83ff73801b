/**
 * One request's way through the broker, for Kafka's RequestMetrics (request queue, local, remote,
 * response queue and send times). The connection fills in the times (performance.now()
 * milliseconds) as the request passes each stage, the dispatcher and handlers what only they know;
 * the timer that made the record turns it into metrics once the response is written.
 */
export interface RequestTimes {
  /** The whole frame was read. */
  receivedMs: number;
  /** It was handed to the dispatcher (later than read while the connection was paused). */
  dispatchedMs: number;
  /** The handler returned: its work on the event loop is done (Kafka's local time ends here). */
  localDoneMs: number;
  /** The response was ready, after any wait (purgatory, disk, other brokers). */
  completedMs: number;
  /** The response was handed to the socket, after the earlier responses of its connection. */
  sendStartMs: number;
  /** A quota's throttle on the answer, in ms (0: none). */
  throttleMs: number;
  /** Fetch only: from a follower (Kafka's FetchFollower), not a consumer (FetchConsumer). */
  fromFollower: boolean;
}

/** Times requests when metrics are on; a connection without one times nothing. */
export interface RequestTimer {
  /**
   * A request frame is about to be dispatched; returns the record for its times, or undefined to
   * leave it untimed (a bare SASL token is not a request).
   */
  start(frame: Buffer, expectsRawSaslToken: boolean): RequestTimes | undefined;
  /** Its response was written (or, with none to send, is done) at `writtenMs`: the record is complete. */
  written(times: RequestTimes, writtenMs: number): void;
}
