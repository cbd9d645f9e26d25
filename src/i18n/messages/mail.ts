import { defineMessages } from '../define.ts';

export const mailMessages = defineMessages({
  en: {},
  de: {},
  da: {},
  pl: {},
});
