// The control API of a local AWS started from the command line: JSON over HTTP
// on 127.0.0.1, so shell- and C-driven tests can add faults, read the request
// log and drive the credential stand-ins (curl is enough). Routes:
//
//   GET    /health                      {"ok": true}
//   GET    /env                         the environment written to the env file
//   POST   /reset                       clear faults, log, clock, bucket settings, stand-ins
//   POST   /stop                        stop everything and exit
//   GET    /faults                      the fault rules with fired/remaining counts
//   POST   /faults          RULE        add a rule -> {"id": N}
//   DELETE /faults[/ID]                 remove all rules / one rule
//   GET    /log?FIELD=VALUE...          request log entries (fields as in the fault match,
//                                       plus status, error, fault, since=SEQ, includeHarness=1)
//   DELETE /log                         clear the request log
//   GET    /clock, POST /clock {"offsetSeconds": N}
//   GET    /credentials, POST /credentials {accessKeyId, secretAccessKey, sessionToken, expiration}
//   POST   /buckets/NAME/owner {"accountId": ...}, POST /buckets/NAME/region {"region": ...}
//   GET    /counters                    calls to the IMDS, ECS and STS stand-ins
//   POST   /imds|/ecs|/sts/configure OPTIONS, POST /imds|/ecs|/sts/inject RULE
import { listenLoopback, readAll, send } from "./standin.mjs";

const NUMERIC = new Set(["status", "since"]);

function logQuery(searchParams) {
	const q = {};
	for (const [k, v] of searchParams) {
		if (k === "includeHarness")
			q.includeHarness = v === "1" || v === "true";
		else
			q[k] = NUMERIC.has(k) ? Number(v) : v;
	}
	return q;
}

async function readJson(req) {
	const text = (await readAll(req)).toString("utf8");
	if (text.trim() === "")
		return {};
	return JSON.parse(text);
}

/** Starts the control server for `aws` (a startLocalAws handle); returns {url, close, onStop}. */
export async function startControl(aws) {
	const control = { onStop: null };
	const routes = {
		"GET /health": () => ({ ok: true }),
		"GET /env": () => aws.env(),
		"POST /reset": () => (aws.reset(), { ok: true }),
		"POST /stop": () => {
			setImmediate(() => control.onStop?.());
			return { ok: true };
		},
		"GET /faults": () => aws.faults.list(),
		"POST /faults": (body) => ({ id: aws.faults.add(body) }),
		"DELETE /faults": () => (aws.faults.clear(), { ok: true }),
		"GET /log": (_, url) => {
			const q = logQuery(url.searchParams);
			const since = q.since ?? 0;
			delete q.since;
			return aws.requestLog.match(q).filter((e) => e.seq > since);
		},
		"DELETE /log": () => (aws.requestLog.clear(), { ok: true }),
		"GET /clock": () => ({ offsetSeconds: aws.clockOffset() }),
		"POST /clock": (body) => (aws.setClockOffset(Number(body.offsetSeconds ?? 0)), { offsetSeconds: aws.clockOffset() }),
		"GET /credentials": () => aws.credentialStore.list(),
		"POST /credentials": (body) => aws.addCredentials(body),
		"GET /counters": () => aws.counters(),
	};
	for (const name of ["imds", "ecs", "sts"]) {
		routes[`POST /${name}/configure`] = (body) => (aws[name].configure(body), { ok: true });
		routes[`POST /${name}/inject`] = (body) => (aws[name].inject(body), { ok: true });
	}

	async function handle(req, res) {
		const url = new URL(req.url, "http://control");
		let route = routes[`${req.method} ${url.pathname}`];
		let m;
		if (!route && req.method === "DELETE" && (m = /^\/faults\/(\d+)$/.exec(url.pathname)))
			route = () => ({ removed: aws.faults.remove(Number(m[1])) });
		if (!route && req.method === "POST" && (m = /^\/buckets\/([^/]+)\/(owner|region)$/.exec(url.pathname))) {
			const bucket = decodeURIComponent(m[1]);
			route = m[2] === "owner"
				? (body) => (aws.setBucketOwner(bucket, String(body.accountId)), { ok: true })
				: (body) => (aws.setBucketRegion(bucket, String(body.region)), { ok: true });
		}
		if (!route)
			return send(res, 404, { error: `no route ${req.method} ${url.pathname}` }, { "content-type": "application/json" });
		let body;
		try {
			body = await readJson(req);
		} catch (err) {
			return send(res, 400, { error: `request body is not JSON: ${err.message}` }, { "content-type": "application/json" });
		}
		try {
			send(res, 200, (await route(body, url)) ?? { ok: true }, { "content-type": "application/json" });
		} catch (err) {
			send(res, 400, { error: err.message }, { "content-type": "application/json" });
		}
	}

	const http = await listenLoopback(handle, "control");
	control.url = http.url;
	control.close = () => http.close();
	return control;
}
