/*
 * files: `ctalertd scan PATH...` on local files, one after the other with
 * one scanner: a file (gzip, zlib or plain JSON), a directory walked in name
 * order (its *.json, *.jsonl and *.ndjson files, perhaps .gz; CloudTrail-
 * Digest directories and symbolic links below it skipped), or - for standard
 * input. Errors are reported per file and never stop the others. Unless
 * --format says, a *.ndjson or *.jsonl file (perhaps .gz) is read as NDJSON
 * and any other as a {"Records": [...]} log.
 */
#ifndef CT_SCAN_FILES_H
#define CT_SCAN_FILES_H

#include "scan/output.h"
#include "stream/objscan.h"

/* Scans path (named on the command line) into out; adds to t. by_name: pick
 * each file's format by its name. */
void files_scan(struct output *out, struct objscan *os, struct output_sink *sink, const char *path,
    int by_name, struct scan_totals *t);

#endif
