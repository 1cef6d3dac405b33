/**
 * The only way the dashboard makes DOM. Strings always become text nodes and attribute values are set
 * with setAttribute, so a visitor's UTM value, page title or trait can never become markup: there is no
 * innerHTML anywhere in the app. Event handlers are functions only (`on: {click: fn}`), never strings.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

export interface Props {
  class?: string | undefined;
  /** Attributes, set with setAttribute; `undefined`/`false` leaves one out, `true` sets it empty. */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent: Node, children: readonly Child[]) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === 'string' || typeof child === 'number') parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child as Node);
  }
}

function apply(el: Element, props: Props | undefined) {
  if (!props) return;
  if (props.class) el.setAttribute('class', props.class);
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    // Inline handlers would be code from a string; the CSP forbids them too.
    if (/^on/i.test(name)) throw new Error(`use props.on for ${name}`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, handler] of Object.entries(props.on ?? {})) {
    if (handler) el.addEventListener(type, handler as EventListener);
  }
}

/** An HTML element: `h('td', {class: 'num'}, value)`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, props ?? undefined);
  append(el, children);
  return el;
}

/** An SVG element, same conventions as `h`. */
export function svg(tag: string, attrs?: Record<string, string | number | undefined>, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  apply(el, attrs ? { attrs } : undefined);
  append(el, children);
  return el;
}

/** Replaces everything inside `parent` with `children`. */
export function mount(parent: Element, ...children: Child[]) {
  parent.replaceChildren();
  append(parent, children);
}

