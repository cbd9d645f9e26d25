// Strings of the second-factor steps inside the sign-in (choose a method, enter a code, use a passkey, enroll a
// factor when the app demands one, trust this device).
import { defineMessages } from '../define.ts';

export const mfaMessages = defineMessages({
  en: {},
  de: {},
  da: {},
  pl: {},
});
