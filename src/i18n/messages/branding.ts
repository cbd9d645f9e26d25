// Branding: the support link an operator or an app gives (BRAND_SUPPORT_URL, a brand's supportUri), under the hosted
// pages and in the footer of mails.
import { defineMessages } from '../define.ts';

export const brandingMessages = defineMessages({
  en: {
    'brand.support': 'Help and support',
    'brand.mail.support': 'Help and support: {supportUri}',
  },
  de: {
    'brand.support': 'Hilfe und Support',
    'brand.mail.support': 'Hilfe und Support: {supportUri}',
  },
  da: {
    'brand.support': 'Hjælp og support',
    'brand.mail.support': 'Hjælp og support: {supportUri}',
  },
  pl: {
    'brand.support': 'Pomoc i wsparcie',
    'brand.mail.support': 'Pomoc i wsparcie: {supportUri}',
  },
  fr: {
    'brand.support': 'Aide et assistance',
    'brand.mail.support': 'Aide et assistance : {supportUri}',
  },
  es: {
    'brand.support': 'Ayuda y soporte',
    'brand.mail.support': 'Ayuda y soporte: {supportUri}',
  },
  it: {
    'brand.support': 'Aiuto e assistenza',
    'brand.mail.support': 'Aiuto e assistenza: {supportUri}',
  },
  nl: {
    'brand.support': 'Hulp en support',
    'brand.mail.support': 'Hulp en support: {supportUri}',
  },
});
