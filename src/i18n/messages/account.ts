import { defineMessages } from '../define.ts';

export const accountMessages = defineMessages({
  en: {},
  de: {},
  da: {},
  pl: {},
});
