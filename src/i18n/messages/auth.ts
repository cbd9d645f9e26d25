import { defineMessages } from '../define.ts';

export const authMessages = defineMessages({
  en: {},
  de: {},
  da: {},
  pl: {},
});
