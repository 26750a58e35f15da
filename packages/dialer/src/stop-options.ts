/** What `stop()` takes. */
export interface StopOptions {
  /**
   * Also ends every call in flight: a call not answered yet through the provider's `cancelCall`
   * (it ends `canceled`), an answered one through its `hangUpCall` (it ends as the provider
   * reports it then, `completed`), and one answered while its cancel was on its way (the
   * provider leaves it as it is) through `hangUpCall` next. A call whose POST has not answered
   * yet is ended as soon as its id is known. A request that fails is reported as an `error`
   * event (`source: 'hang_up'`) and the call is followed to its end. Calling
   * `stop({ hangUp: true })` after `stop()` ends the calls still in flight.
   * @default false
   */
  hangUp?: boolean;
}
