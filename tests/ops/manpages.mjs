// The manual pages: they format without a warning, and ctalertd.conf(5)
// documents every option the configuration loader knows, with its default
// and its environment variable, as the loader itself lists them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const srcdir = process.env.top_srcdir ?? ".";
const builddir = process.env.top_builddir ?? ".";
const page8 = join(srcdir, "docs/man/ctalertd.8");
const page5 = join(srcdir, "docs/man/ctalertd.conf.5");

function have(cmd) {
	return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** The options as the loader lists them: [{name, def, env}]. */
function loaderOptions() {
	const out = execFileSync(join(builddir, "tests/ops/conf_options"), { encoding: "utf8" });
	return out.trim().split("\n").map((l) => {
		const [name, def, env] = l.split("\t");
		return { name, def: def === "-" ? null : def, env: env === "-" ? null : env };
	});
}

/** The text of the .It item whose head starts with "Cm name", macros stripped. */
function item(source, name) {
	const lines = source.split("\n");
	const head = new RegExp(`^\\.It Cm ${name.replace(/\./g, "\\.")}( |$)`);
	const at = lines.findIndex((l) => head.test(l));
	if (at < 0) return null;
	// Stacked heads (several .It with one body) share the body that follows.
	let i = at + 1;
	while (i < lines.length && lines[i].startsWith(".It ")) i++;
	const body = [];
	for (; i < lines.length && !/^\.(It|El)\b/.test(lines[i]); i++) body.push(lines[i]);
	return body.map((l) => l.replace(/^\.[A-Z][a-z]\s*/, "").replace(/\\\(dq/g, '"')).join(" ");
}

test("both pages format without warnings", { skip: !have("groff") && "groff is not installed" }, () => {
	for (const page of [page8, page5]) {
		const r = spawnSync("groff", ["-mandoc", "-ww", "-z", page], { encoding: "utf8" });
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stderr, "", `${page}: ${r.stderr}`);
		if (have("man")) {
			const m = spawnSync("man", ["--warnings", "-l", page], { encoding: "utf8", env: { ...process.env, MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat" } });
			assert.equal(m.status, 0, m.stderr);
			assert.equal(m.stderr, "", `${page}: ${m.stderr}`);
			assert.ok(m.stdout.includes("SYNOPSIS") || m.stdout.includes("DESCRIPTION"));
		}
	}
});

test("every option is documented with its default and environment variable", () => {
	const source = readFileSync(page5, "utf8");
	const options = loaderOptions();
	assert.ok(options.length >= 40, `the loader lists ${options.length} options`);
	const missing = [];
	for (const o of options) {
		const text = item(source, o.name);
		if (text === null) {
			missing.push(`${o.name}: no .It Cm ${o.name} item`);
			continue;
		}
		if (o.def !== null && !new RegExp(`Default: "?${o.def.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?[ .,]`).test(`${text} `))
			missing.push(`${o.name}: default ${o.def} not stated ("${text.slice(0, 80)}...")`);
		if (o.env !== null && !text.includes(o.env))
			missing.push(`${o.name}: environment variable ${o.env} not named`);
	}
	assert.deepEqual(missing, []);
	// The environment section lists each variable; ctalertd(8) too.
	const page8text = readFileSync(page8, "utf8");
	for (const env of options.map((o) => o.env).filter(Boolean)) {
		assert.match(source, new RegExp(`^\\.It Ev ${env}$`, "m"), `${env} in ctalertd.conf(5) ENVIRONMENT`);
		assert.ok(page8text.includes(env), `${env} in ctalertd(8)`);
	}
});

test("no item documents an option the loader does not know", () => {
	const known = new Set(loaderOptions().map((o) => o.name));
	const source = readFileSync(page5, "utf8");
	const documented = [...source.matchAll(/^\.It Cm ([a-z_.0-9]+)/gm)].map((m) => m[1]);
	assert.ok(documented.length > 0);
	assert.deepEqual(documented.filter((n) => !known.has(n)), []);
});

/** The long options a command's --help lists: ["--config", ...]. */
function helpOptions(args) {
	const help = execFileSync(process.env.CTALERTD ?? join(builddir, "ctalertd"), args, { encoding: "utf8" });
	return [...new Set([...help.matchAll(/^ {2}(?:-[a-zA-Z], )? *(--[a-z-]+)/gm)].map((m) => m[1]))];
}

test("ctalertd(8) lists the options of every command", () => {
	const source = readFileSync(page8, "utf8");
	for (const args of [["scan", "--help"], ["run", "--help"], ["check", "--help"]]) {
		const options = helpOptions(args);
		assert.ok(options.length >= 2, `${args[0]}: ${options}`);
		for (const o of options)
			assert.ok(source.includes(`Fl ${o.slice(1).replace(/-/g, "\\-")}`), `${args[0]} ${o} is not in ctalertd(8)`);
	}
	assert.ok(helpOptions(["scan", "--help"]).includes("--max-ratio"));
});

test("ctalertd.conf(5) renders the rules syntax as it is written", { skip: !have("man") && "man is not installed" }, () => {
	const m = spawnSync("man", ["-l", page5], { encoding: "utf8", env: { ...process.env, MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat" } });
	assert.equal(m.status, 0, m.stderr);
	const text = m.stdout.replace(/.\x08/g, "");
	assert.match(text, /^ +rules = \( \{ rule \}, \.\.\. \);$/m);
});

test("the paths of the docs are those of the README's installation", () => {
	const readme = readFileSync(join(srcdir, "README.md"), "utf8");
	assert.match(readme, /^\.\/configure --sysconfdir=\/etc && make && sudo make install$/m);
	for (const page of [page8, page5]) {
		const source = readFileSync(page, "utf8");
		assert.ok(source.includes("/etc/ctalertd/ctalertd.conf"), page);
		assert.match(source, /configured with\n\.Fl \\-sysconfdir Ns = Ns Pa \/etc/, `${page} says which build its paths are`);
	}
	const help = execFileSync(process.env.CTALERTD ?? join(builddir, "ctalertd"), ["run", "--help"], { encoding: "utf8" });
	assert.match(help, /\(default \/\S*\/ctalertd\/ctalertd\.conf;/, "run --help names the file it reads");
});

test("ctalertd(8) names every command the program has", () => {
	const help = execFileSync(process.env.CTALERTD ?? join(builddir, "ctalertd"), ["--help"], { encoding: "utf8" });
	const commands = [...help.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
	assert.ok(commands.length >= 3, help);
	const source = readFileSync(page8, "utf8");
	for (const c of commands) assert.match(source, new RegExp(`^\\.It Cm ${c}$`, "m"), `command ${c}`);
});
