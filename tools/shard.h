/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Sharded runs of `w2vee eval` and their merge (docs/scaling.md).
 *
 * Item i (0-based, in manifest order) of every split belongs to shard (i mod N) + 1 of
 * N. A shard run writes OUTDIR/shard.json (W2VEE_SHARD_FILE), last and atomically, so
 * its presence means the shard finished:
 *
 *   { "format": "w2vee-eval-shard 1", "shard": K, "shards": N,
 *     "run": { "model": DIR, "model_sha256": HEX, "load_flags": F,
 *              "decoder": NAME, "decoder_options": TEXT, "scoring": ...,
 *              "policy": P, "policy_rule": R, "policy_threshold": T, "entropy": B,
 *              "sweep": B, "exit_layers": [L...],
 *              "gflop_per_s": [G...],
 *              "splits": [ { "name", "manifest", "manifest_sha256", "items" } ... ] },
 *     "results": [ { "split", "index", "file", "expected", "hypotheses": [...],
 *                    "samples", "infer_s",
 *                    "policy_exit", "policy_layers", "policy_gflop",
 *                    "policy_hypothesis"                (policy not fixed),
 *                    "gflop": [G...], "scores": [[S...]...] (entropy or sweep) } ... ] }
 *
 * Two shards belong to one run when every member of "run" but "model" (the path, which
 * may differ between machines) is equal and so is "shards".
 */
#ifndef W2VEE_TOOL_SHARD_H
#define W2VEE_TOOL_SHARD_H

#include <glib.h>

G_BEGIN_DECLS

#define W2VEE_SHARD_FILE "shard.json"

/* One item's outcome: all `w2vee eval` needs to write its report lines and table. */
typedef struct {
  guint index;         /* 0-based item index in the split's manifest */
  char *file;          /* audio path as written in the manifest */
  char *reference;     /* normalised transcript */
  char **hypotheses;   /* (n_exits) normalised transcripts, shallowest exit first */
  guint64 n_samples;   /* decoded audio, 16 kHz samples */
  double infer_s;      /* forward pass and decoding, seconds */
  /* the item's run under the exit policy (the run's policy not "fixed"), else 0/NULL */
  guint policy_exit;         /* 1-based exit it picked */
  guint policy_layers;       /* encoder layers it computed */
  double policy_gflop;       /* GFLOP its exits cost */
  char *policy_hypothesis;   /* normalised transcript at policy_exit */
  /* with the run's entropy or sweep, else NULL */
  double *gflop;             /* (n_exits) GFLOP of each exit on this item */
  double *scores;            /* (n_exits, W2VEE_N_SCORES) each exit's score by rule */
} W2veeEvalResult;

typedef struct {
  char *name;              /* NAME of -d NAME=MANIFEST */
  char *manifest;          /* MANIFEST as given */
  char *manifest_sha256;   /* of its bytes */
  guint n_items;           /* items in the whole manifest */
  GArray *results;         /* (W2veeEvalResult) by index: all, or one shard's */
} W2veeEvalSplit;

/* What identifies a run, and its results. */
typedef struct {
  char *model;             /* canonical model directory (informational) */
  char *model_sha256;      /* w2vee_shard_model_digest() */
  guint load_flags;        /* W2veeLoadFlags */
  char *decoder;           /* w2vee_decoder_name(), or "ctc-greedy" */
  char *decoder_options;   /* the decoder's parameters and the digests of its LM,
                            * lexicon and tokens files; "" for ctc-greedy */
  guint n_exits;
  char *policy;            /* w2vee_tool_policy_name(): "fixed" without --exit-policy */
  char *policy_rule;       /* the confidence rule's name, or "" */
  double policy_threshold; /* as resolved; 0 for fixed */
  gboolean entropy;        /* --entropy: NAME_scores.tsv written */
  gboolean sweep;          /* --exit-sweep */
  guint *layers;           /* (n_exits) layer of each exit */
  double *gflop;           /* (n_exits) GFLOP per second of audio up to each exit */
  GPtrArray *splits;       /* (W2veeEvalSplit *) in -d order */
  guint shard, n_shards;   /* 1-based K of N; 0 of 0 for a whole run */
} W2veeEvalRun;

/* Exit status of `w2vee eval --merge` when the shards do not make one whole run. */
#define W2VEE_EXIT_SHARDS 3

/* Parses "K/N" (1 <= K <= N <= 1000000); FALSE with @error saying why. */
gboolean w2vee_shard_parse (const char *arg, guint *k, guint *n, GError **error);

/* SHA-256 of @path's bytes (hex), or NULL with @error naming the file. */
char *w2vee_shard_file_sha256 (const char *path, GError **error);

/* SHA-256 over the model files of @dir that decide its output: config.json,
 * vocab.json, preprocessor_config.json (those present) and the weights file a load
 * reads (model.safetensors, else pytorch_model.bin), each as its name, a NUL, its size
 * and its bytes. NULL with @error naming the file. */
char *w2vee_shard_model_digest (const char *dir, GError **error);

W2veeEvalSplit *w2vee_eval_split_new (const char *name, const char *manifest,
    guint n_items);
void w2vee_eval_split_free (W2veeEvalSplit *split);
/* Takes ownership of @result's strings. */
void w2vee_eval_split_add (W2veeEvalSplit *split, W2veeEvalResult *result);

W2veeEvalRun *w2vee_eval_run_new (void);
void w2vee_eval_run_free (W2veeEvalRun *run);

/* Writes @run (one shard: shard and n_shards set) to DIR/shard.json. */
gboolean w2vee_shard_write (const W2veeEvalRun *run, const char *dir, GError **error);

/**
 * w2vee_shard_merge:
 * @dirs: (array zero-terminated=1): shard output folders, in any order.
 * @status: (out): on failure, W2VEE_EXIT_SHARDS when the shards do not make one run
 *   (a shard of another run, a shard missing, given twice, or holding items not its
 *   own), else 1 (unreadable or malformed shard.json).
 *
 * Returns: (transfer full): the whole run (shard and n_shards 0; every split's results
 * complete and in manifest order), or NULL with @error naming the folder and reason.
 */
W2veeEvalRun *w2vee_shard_merge (char **dirs, int *status, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeEvalRun, w2vee_eval_run_free)

G_END_DECLS

#endif /* W2VEE_TOOL_SHARD_H */
