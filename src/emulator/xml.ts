/** STS answers in the AWS Query protocol's XML shapes. Every value is escaped. */
import type { StsError } from './errors.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A tree of elements: a string is text, an object's keys are child elements in order. */
export type XmlValue = string | { readonly [element: string]: XmlValue };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => {
    switch (char) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&apos;';
    }
  });
}

function render(value: XmlValue, indent: string): string {
  if (typeof value === 'string') return escapeXml(value);
  const inner = indent + '  ';
  let out = '';
  for (const [name, child] of Object.entries(value)) {
    const body = typeof child === 'string' ? escapeXml(child) : `${render(child, inner)}\n${inner}`;
    out += `\n${inner}<${name}>${body}</${name}>`;
  }
  return out;
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>` */
export function successXml(action: string, result: { readonly [element: string]: XmlValue }, requestId: string): string {
  const body = render(
    {
      [`${action}Result`]: result,
      ResponseMetadata: { RequestId: requestId },
    },
    '',
  );
  return `<${action}Response xmlns="${STS_NAMESPACE}">${body}\n</${action}Response>\n`;
}

export function errorXml(error: StsError, requestId: string): string {
  const body = render(
    {
      Error: { Type: error.type, Code: error.code, Message: error.message },
      RequestId: requestId,
    },
    '',
  );
  return `<ErrorResponse xmlns="${STS_NAMESPACE}">${body}\n</ErrorResponse>\n`;
}
