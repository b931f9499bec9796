/** An error meant for the user: its message already names what, where, the rule and the fix. */
export class VirtformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirtformError';
  }
}
