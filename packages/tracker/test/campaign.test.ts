import { describe, expect, it } from 'vitest';
import { externalReferrer, parseCampaign } from '../src/campaign.js';

describe('parseCampaign', () => {
  it.each([
    ['', undefined],
    ['?page=2', undefined],
    ['?utm_source=google&utm_medium=cpc&utm_campaign=spring', { source: 'google', medium: 'cpc', name: 'spring' }],
    [
      '?utm_source=nl&utm_medium=email&utm_campaign=c&utm_term=t&utm_content=k&utm_id=42',
      { source: 'nl', medium: 'email', name: 'c', term: 't', content: 'k', id: '42' },
    ],
    ['?gclid=abc', { gclid: 'abc' }],
    ['?gbraid=1&wbraid=2&fbclid=3&msclkid=4&ttclid=5&li_fat_id=6', { gbraid: '1', wbraid: '2', fbclid: '3', msclkid: '4', ttclid: '5', li_fat_id: '6' }],
    ['?utm_source=a%20b&utm_medium=', { source: 'a b' }],
    ['utm_source=x', { source: 'x' }],
  ])('%s', (search, expected) => {
    expect(parseCampaign(search)).toEqual(expected);
  });
});

describe('externalReferrer', () => {
  it.each([
    ['', 'shop.example', undefined],
    ['https://www.google.com/', 'shop.example', 'https://www.google.com/'],
    ['https://shop.example/pricing', 'shop.example', undefined],
    ['http://localhost:3000/a', 'localhost:3000', undefined],
    ['http://localhost:4000/a', 'localhost:3000', 'http://localhost:4000/a'],
    ['https://blog.shop.example/post', 'shop.example', 'https://blog.shop.example/post'],
  ])('%s on %s → %s', (referrer, host, expected) => {
    expect(externalReferrer(referrer, host)).toBe(expected);
  });
});
