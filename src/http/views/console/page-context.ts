/** What every signed-in console page needs from the request. */
import type { ConsoleFlash } from './components.ts';

export interface ConsolePageContext {
  /** CSP nonce of this response. */
  nonce: string;
  /** Signed-in ops username. */
  username: string;
  /** CSRF token of the session, for every POST form. */
  csrf: string;
  /** The one-time message left by the previous POST, if any. */
  flash?: ConsoleFlash | undefined;
}

/** A contact center as the console names it: its first login domain, or the start of its CCID. */
export interface ContactCenterOption {
  id: string;
  label: string;
}
