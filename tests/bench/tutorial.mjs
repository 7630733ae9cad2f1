// The tutorial's own approach, for comparison: read the whole gzip object,
// gunzip it in memory, JSON.parse it, filter Records in JavaScript.
//   node tests/bench/tutorial.mjs FILE.json.gz   -> prints the match count
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const doc = JSON.parse(gunzipSync(readFileSync(process.argv[2])).toString("utf8"));
const hits = doc.Records.filter(
	(r) => r.eventSource === "sns.amazonaws.com" && r.eventName === "CreateTopic",
);
console.log(hits.length);
