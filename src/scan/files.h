/*
 * files: `ctalertd scan PATH...` on local files, one after the other with
 * one scanner: a file (gzip, zlib or plain JSON), a directory walked in name
 * order (its *.json, *.jsonl and *.ndjson files, perhaps .gz; CloudTrail-
 * Digest directories and symbolic links below it skipped), or - for standard
 * input. Errors are reported per file and never stop the others. Each file
 * is read in the scanner's format: unless --format says, RECORDS_AUTO, so a
 * file's content says what it is, whatever its name.
 */
#ifndef CT_SCAN_FILES_H
#define CT_SCAN_FILES_H

#include "scan/output.h"
#include "stream/objscan.h"

/* Scans path (named on the command line) into out; adds to t. */
void files_scan(struct output *out, struct objscan *os, struct output_sink *sink, const char *path,
    struct scan_totals *t);

#endif
