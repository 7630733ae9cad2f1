// The batch-partial fault: some entries of a batch call fail while the others
// succeed, as SQS and SNS report per-entry failures. The failed entries are
// taken out before the request reaches fauxqs and added to its answer's
// Failed list, so only the others have an effect.
import { newRequestId, xmlEscape } from "./errors.mjs";

export const BATCH_OPERATIONS = new Set(["SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch", "PublishBatch"]);
const SNS_MEMBER = /^PublishBatchRequestEntries\.member\.(\d+)\.Id$/;

/* Which of the entry ids fail: rule.failIds, rule.fail (0-based indexes) or
 * the first rule.failCount (default 1). */
function chooseFailed(ids, rule) {
	if (Array.isArray(rule.failIds))
		return new Set(ids.filter((id) => rule.failIds.includes(id)));
	if (Array.isArray(rule.fail))
		return new Set(ids.filter((_, i) => rule.fail.includes(i)));
	return new Set(ids.slice(0, rule.failCount ?? 1));
}

function failure(id, rule) {
	return { Id: id, Code: rule.code ?? "InternalError", Message: rule.message ?? "injected entry failure", SenderFault: rule.senderFault ?? false };
}

/**
 * Splits a batch request: returns {body (Buffer to forward, or null when
 * every entry fails), failed: [{Id, Code, Message, SenderFault}]}.
 */
export function splitBatch(service, body, rule) {
	if (service === "sqs") {
		const input = JSON.parse(body.toString("utf8"));
		const entries = input.Entries ?? [];
		const failing = chooseFailed(entries.map((e) => e.Id), rule);
		input.Entries = entries.filter((e) => !failing.has(e.Id));
		const failed = [...failing].map((id) => failure(id, rule));
		return { body: input.Entries.length > 0 ? Buffer.from(JSON.stringify(input)) : null, failed };
	}
	const params = new URLSearchParams(body.toString("utf8"));
	const members = [];
	for (const [k, v] of params) {
		const m = SNS_MEMBER.exec(k);
		if (m)
			members.push({ index: m[1], id: v });
	}
	const failing = chooseFailed(members.map((m) => m.id), rule);
	const dropped = members.filter((m) => failing.has(m.id)).map((m) => `PublishBatchRequestEntries.member.${m.index}.`);
	const kept = new URLSearchParams();
	for (const [k, v] of params) {
		if (!dropped.some((p) => k.startsWith(p)))
			kept.append(k, v);
	}
	const failed = [...failing].map((id) => failure(id, rule));
	return { body: members.length > failed.length ? Buffer.from(kept.toString()) : null, failed };
}

function snsFailedXml(failed) {
	return failed
		.map((f) => `<member><Id>${xmlEscape(f.Id)}</Id><Code>${xmlEscape(f.Code)}</Code><Message>${xmlEscape(f.Message)}</Message><SenderFault>${f.SenderFault}</SenderFault></member>`)
		.join("");
}

/** fauxqs's successful answer (text) with the injected failures added. */
export function mergeBatchAnswer(service, text, failed) {
	if (service === "sqs") {
		const out = JSON.parse(text);
		out.Failed = [...(out.Failed ?? []), ...failed];
		return JSON.stringify(out);
	}
	if (text.includes("</Failed>"))
		return text.replace("</Failed>", `${snsFailedXml(failed)}</Failed>`);
	return text.replace("</PublishBatchResult>", `<Failed>${snsFailedXml(failed)}</Failed></PublishBatchResult>`);
}

/** The answer when every entry of the batch fails. */
export function allFailedAnswer(service, operation, failed) {
	const requestId = newRequestId();
	if (service === "sqs") {
		return {
			status: 200,
			code: null,
			headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
			body: JSON.stringify({ Successful: [], Failed: failed }),
		};
	}
	return {
		status: 200,
		code: null,
		headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
		body:
			`<${operation}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n  <${operation}Result>\n` +
			`    <Successful></Successful><Failed>${snsFailedXml(failed)}</Failed>\n  </${operation}Result>\n` +
			`  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${operation}Response>\n`,
	};
}
