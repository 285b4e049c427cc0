/**
 * BigBlueButton's XML answers (`<response><returncode>…`), shared by the bbb-webhooks-compatible
 * routes and their error answers, so both read like bbb-webhooks' own.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HttpEnv } from "./env";

/** bbb's content type for every answer. */
export const BBB_XML_TYPE = "text/xml";

/** An answer: `<response>` around `inner`. */
export function bbbXml(c: Context<HttpEnv>, inner: string, status: ContentfulStatusCode = 200) {
  return c.body(`<response>${inner}</response>`, status, { "Content-Type": BBB_XML_TYPE });
}

/** Text as XML character data. */
export function xmlText(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A `FAILED` answer with bbb's `messageKey` and its message. */
export function bbbFailed(
  c: Context<HttpEnv>,
  messageKey: string,
  message: string,
  status: ContentfulStatusCode = 200,
): Response {
  return bbbXml(
    c,
    `<returncode>FAILED</returncode><messageKey>${messageKey}</messageKey><message>${xmlText(message)}</message>`,
    status,
  );
}
