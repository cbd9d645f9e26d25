import { defineMessages } from '../define.ts';

export const securityMessages = defineMessages({
  en: {},
  de: {},
  da: {},
  pl: {},
});
