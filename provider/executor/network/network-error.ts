/**
 * Errors raised while bringing networks and tap devices to life on a host. Messages are written
 * for the user: they name the host, the network or device, the value, the rule and the fix.
 * `code` lets callers (the apply engine, the CLI) branch without parsing messages.
 */

export type NetworkErrorCode =
  | 'BAD_NAME' // a network, bridge, tap or domain name cannot be used on a host
  | 'INVALID' // the network document breaks a rule (validateNetwork's issues, missing bridge name)
  | 'UNSUPPORTED' // a forward mode or feature virtform does not run (macvtap, hostdev, Open vSwitch)
  | 'CONFLICT' // a device, chain or process exists that virtform did not create for this network
  | 'MISSING' // something the network needs on the host is absent (existing bridge, dnsmasq, IPv6)
  | 'NOT_ACTIVE' // the operation needs a running network and it is not running
  | 'ACTIVE_DIFFERENT' // the network runs with another definition; it must be restarted
  | 'CORRUPT' // a runtime record on the host cannot be read
  | 'COMMAND_FAILED'; // a host command (ip, nft, dnsmasq, kill) exited non-zero

export class NetworkError extends Error {
  constructor(
    readonly code: NetworkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}
