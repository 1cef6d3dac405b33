// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { h, svg } from '../src/dom.js';

const PAYLOAD = '<img src=x onerror=alert(1)>';

describe('h()', () => {
  it('renders strings as text, never as markup', () => {
    const el = h('td', null, PAYLOAD, ['<b>', 3]);
    expect(el.textContent).toBe(`${PAYLOAD}<b>3`);
    expect(el.querySelector('img, b')).toBeNull();
    expect(el.innerHTML).toContain('&lt;img');
  });

  it('sets attribute values verbatim, so quotes cannot break out', () => {
    const el = h('a', { attrs: { title: `"><img src=x onerror=alert(1)>`, href: '/x' } });
    expect(el.getAttribute('title')).toBe(`"><img src=x onerror=alert(1)>`);
    expect(el.children).toHaveLength(0);
  });

  it('refuses inline handler attributes; handlers are functions', () => {
    expect(() => h('div', { attrs: { onclick: 'alert(1)' } })).toThrow(/props.on/);
    expect(() => svg('svg', { onload: 'alert(1)' })).toThrow(/props.on/);
    let clicked = 0;
    h('button', { on: { click: () => clicked++ } }).click();
    expect(clicked).toBe(1);
  });

  it('leaves out false and undefined attributes and children', () => {
    const el = h('input', { attrs: { disabled: false, required: true, placeholder: undefined } }, null, false, undefined);
    expect(el.hasAttribute('disabled')).toBe(false);
    expect(el.getAttribute('required')).toBe('');
    expect(el.hasAttribute('placeholder')).toBe(false);
  });

  it('makes SVG in the SVG namespace with text labels', () => {
    const t = svg('text', { x: 1 }, PAYLOAD);
    expect(t.namespaceURI).toBe('http://www.w3.org/2000/svg');
    expect(t.textContent).toBe(PAYLOAD);
  });
});

