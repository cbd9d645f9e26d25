// Strings of the account center's "Sign-in security" pages: authenticator apps, phones, e-mail codes, passkeys and
// recovery codes.
import { defineMessages } from '../define.ts';

export const accountMfaMessages = defineMessages({
  en: {},
  de: {},
  da: {},
  pl: {},
});
