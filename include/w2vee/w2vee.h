/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libw2vee — exact early-exit wav2vec2 (CTC) inference on the CPU.
 *
 * Two objects, as in whisper.cpp:
 *
 *   W2veeModel    the weights of one checkpoint. Read-only after loading, reference
 *                 counted, and safe to share between any number of threads.
 *   W2veeSession  the workspace of one inference stream: every buffer it needs is
 *                 allocated once, in w2vee_session_new(), for a maximum input length.
 *                 A session may be used by one thread at a time (no internal locking);
 *                 use one session per thread. w2vee_session_run() allocates nothing.
 *
 * Units: audio is 16 kHz mono float32 in [-1, 1] ("samples"). The encoder emits one
 * frame per w2vee_model_frame_stride() samples (320 for wav2vec2-base); frame t covers
 * samples [t * stride, t * stride + receptive_field).
 *
 * Exits are numbered 1..n (shallowest to deepest) everywhere in this API, the CLI and
 * the element. Exit e reads the output of transformer layer w2vee_model_exit_layer(e)
 * (1-based). Running to exit e computes no layer beyond that layer.
 *
 * Shapes legend: T = encoder frames, V = vocabulary size, D = model dimension.
 */
#ifndef W2VEE_H
#define W2VEE_H

#include <gio/gio.h>

#include "w2vee/w2vee-export.h"

G_BEGIN_DECLS

/** Sample rate every model of this family expects, in Hz. */
#define W2VEE_SAMPLE_RATE 16000

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

#define W2VEE_ERROR (w2vee_error_quark ())
W2VEE_API GQuark w2vee_error_quark (void);

/**
 * W2veeError: codes of the W2VEE_ERROR domain. Messages always name the file (and the
 * tensor or key, where there is one) and the reason.
 */
typedef enum {
  W2VEE_ERROR_NOT_FOUND,        /* a required file is missing */
  W2VEE_ERROR_IO,               /* a file exists but cannot be read or mapped */
  W2VEE_ERROR_LFS_POINTER,      /* a Git LFS pointer was saved instead of the file */
  W2VEE_ERROR_HTML,             /* an HTML page (e.g. a login or error page) was saved instead */
  W2VEE_ERROR_HEADER_LENGTH,    /* safetensors header length too large or beyond the file */
  W2VEE_ERROR_HEADER_JSON,      /* safetensors header not UTF-8, not JSON, not an object, bad entry */
  W2VEE_ERROR_DTYPE,            /* unknown or unsupported tensor dtype */
  W2VEE_ERROR_TENSOR_SIZE,      /* end - begin != numel * dtype size, or the product overflows */
  W2VEE_ERROR_TENSOR_LAYOUT,    /* offsets not contiguous from 0, unsorted, gap, overlap, not ending at EOF */
  W2VEE_ERROR_DUPLICATE,        /* duplicate tensor name or JSON key */
  W2VEE_ERROR_CONFIG,           /* config.json / preprocessor_config.json invalid or inconsistent */
  W2VEE_ERROR_VOCAB,            /* vocab.json invalid, or its size differs from the heads' rows */
  W2VEE_ERROR_MISSING_TENSOR,   /* a tensor the config requires is absent */
  W2VEE_ERROR_SHAPE,            /* a tensor's shape disagrees with config.json */
  W2VEE_ERROR_TOO_LARGE,        /* a size exceeds a sanity bound (checked before allocating) */
  W2VEE_ERROR_INVALID_ARGUMENT, /* bad runtime argument: exit out of range, input too long */
  W2VEE_ERROR_NETWORK,          /* fetching: cannot connect, TLS refused, timed out, HTTP error
                                 * status, too many redirects, malformed response */
  W2VEE_ERROR_CHECKSUM,         /* fetching: a download's size or hash differs from what the
                                 * server announced (nothing is cached) */
  W2VEE_ERROR_OFFLINE,          /* fetching: offline mode and the model is not in the cache */
  W2VEE_ERROR_ZIP,              /* pytorch_model.bin: bad or refused zip container (compressed
                                 * or encrypted entry, CRC mismatch, duplicate name, entry
                                 * outside the top folder, truncation, ...) */
  W2VEE_ERROR_PICKLE,           /* pytorch_model.bin: malformed data.pkl (truncated argument,
                                 * stack underflow, persistent id not a storage, ...) */
  W2VEE_ERROR_PICKLE_FORBIDDEN, /* pytorch_model.bin: data.pkl uses an opcode or global
                                 * outside the state-dict allow-list (named in the message) */
  W2VEE_ERROR_LM,               /* a malformed ARPA or binary language model (w2vee-lm.h) */
  W2VEE_ERROR_LEXICON,          /* a malformed lexicon or tokens file, or one that does not
                                 * fit the model's vocabulary (w2vee-lm.h) */
  W2VEE_ERROR_UNSUPPORTED,      /* a session asked for a backend this build lacks, or a
                                 * precision this CPU cannot run (bf16 without bf16 units,
                                 * int8 without VNNI) */
} W2veeError;

/* ------------------------------------------------------------------------- */
/* Model                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct _W2veeModel W2veeModel;

/**
 * w2vee_model_load:
 * @path: a model directory in the Hugging Face layout (config.json, model.safetensors
 *   or pytorch_model.bin, optionally vocab.json and preprocessor_config.json). A model
 *   URI (w2vee_uri_is_remote()) is refused with W2VEE_ERROR_INVALID_ARGUMENT: fetch it
 *   first (w2vee_fetch(), w2vee_fetch_async(), `w2vee fetch`) and load the directory
 *   that returns, so that loading never touches the network.
 *
 * Maps model.safetensors (no second copy of F32 tensors that are suitably aligned);
 * F16 and BF16 tensors are converted to F32 once, here. Every structural check of
 * docs/engine.md runs before anything large is allocated.
 *
 * Returns: (transfer full): a model with one reference, or NULL and @error set.
 */
W2VEE_API W2veeModel *w2vee_model_load (const char *path, GError **error);

/**
 * W2veeLoadFlags:
 * @W2VEE_LOAD_DEFAULT: load model.safetensors, or pytorch_model.bin when the directory
 *   has no model.safetensors.
 * @W2VEE_LOAD_NO_PICKLE: never read pytorch_model.bin (safetensors only): a directory
 *   without model.safetensors fails with W2VEE_ERROR_NOT_FOUND.
 */
typedef enum {
  W2VEE_LOAD_DEFAULT = 0,
  W2VEE_LOAD_NO_PICKLE = 1 << 0,
} W2veeLoadFlags;

/**
 * w2vee_model_load_full:
 * As w2vee_model_load() (which is this with W2VEE_LOAD_DEFAULT), with @flags. The
 * environment variable W2VEE_NO_PICKLE set to anything but "" or "0" adds
 * W2VEE_LOAD_NO_PICKLE to every load.
 *
 * A directory with model.safetensors loads it, whatever else it holds; one that fails
 * to load never falls back to pytorch_model.bin. pytorch_model.bin (a torch.save zip
 * archive) is read by a strict zip reader and a pickle interpreter that accepts only
 * what a state dict needs (docs/models.md); its tensors are used in place, as
 * safetensors' are, and go through the same checks.
 */
W2VEE_API W2veeModel *w2vee_model_load_full (const char *path, W2veeLoadFlags flags,
    GError **error);

/**
 * w2vee_model_load_shared:
 * @dir: a model directory, as for w2vee_model_load_full().
 * @flags: as for w2vee_model_load_full().
 *
 * One model per process: returns a new reference to the model already loaded from the
 * same directory with the same flags, or loads it (w2vee_model_load_full()) and keeps
 * it in a process-wide cache. Several element instances or sessions in one process
 * thus share one copy of the weights; each still creates its own W2veeSession.
 *
 * The cache is keyed by the canonical directory (symbolic links resolved), @flags
 * (with W2VEE_NO_PICKLE applied) and the identity (device, inode, size, modification
 * time) of config.json, vocab.json, preprocessor_config.json and the weights file: a
 * file replaced or rewritten since the cached load gives a fresh load, and the old
 * model lives on for those holding it. Entries are weak: a model leaves the cache when
 * its last reference is dropped (w2vee_model_unref()), so nothing is kept alive by the
 * cache itself. Thread-safe; concurrent first loads of one key load it once (the others
 * wait). Errors are not cached.
 *
 * Returns: (transfer full): a model reference, or NULL and @error set (as
 * w2vee_model_load_full()).
 */
W2VEE_API W2veeModel *w2vee_model_load_shared (const char *dir, W2veeLoadFlags flags,
    GError **error);
/**
 * w2vee_model_is_shared:
 * Returns: whether @model came from w2vee_model_load_shared() and is still the cache's
 * entry for its key (FALSE once a changed file made a newer load take its place).
 */
W2VEE_API gboolean w2vee_model_is_shared (const W2veeModel *model);
W2VEE_API W2veeModel *w2vee_model_ref (W2veeModel *model);
W2VEE_API void w2vee_model_unref (W2veeModel *model);

/** Number of exits (>= 1). */
W2VEE_API guint w2vee_model_n_exits (const W2veeModel *model);
/** Transformer layer (1-based) that exit @exit (1-based) reads; 0 if out of range. */
W2VEE_API guint w2vee_model_exit_layer (const W2veeModel *model, guint exit);
/** Number of transformer layers. */
W2VEE_API guint w2vee_model_n_layers (const W2veeModel *model);
/** Vocabulary size V (rows of every exit head). */
W2VEE_API guint w2vee_model_vocab_size (const W2veeModel *model);
/** Token text of id @id (NULL if out of range). */
W2VEE_API const char *w2vee_model_token (const W2veeModel *model, guint id);
/** Id of the CTC blank (config pad_token_id). */
W2VEE_API guint w2vee_model_blank_id (const W2veeModel *model);
/** Samples between two frames (product of the conv strides; 320 for base). */
W2VEE_API guint w2vee_model_frame_stride (const W2veeModel *model);
/** Samples one frame sees (400 for base). */
W2VEE_API guint w2vee_model_receptive_field (const W2veeModel *model);
/** Encoder frames T for @n_samples of input (0 when shorter than one receptive field). */
W2VEE_API gsize w2vee_model_n_frames (const W2veeModel *model, gsize n_samples);
/** Floating-point operations (multiply-add = 2) to run @n_samples up to @exit, in GFLOP. */
W2VEE_API double w2vee_model_gflop (const W2veeModel *model, guint exit,
    gsize n_samples);
/** Bytes of F32 weights the model holds (mapped, converted, or prepared at load). */
W2VEE_API gsize w2vee_model_weight_bytes (const W2veeModel *model);
/** The directory the model was loaded from. */
W2VEE_API const char *w2vee_model_path (const W2veeModel *model);

/**
 * w2vee_default_model_path:
 * @binary: (nullable): unused, kept for source compatibility (it once told whether the
 *   caller ran from a build tree); pass NULL.
 *
 * The model used when none is given. Nothing about the build tree is compiled in: an
 * uninstalled program finds the source tree's models/default through $W2VEE_MODEL,
 * which `meson devenv`, the tests and scripts/quickstart.sh set.
 *
 * Returns: (transfer full): $W2VEE_MODEL when set and not empty (a directory or a model
 * URI, returned as it is); else the installed DATADIR/w2vee/models/default if it is a
 * directory; else NULL and @error (W2VEE_ERROR_NOT_FOUND) naming that directory.
 */
W2VEE_API char *w2vee_default_model_path (const char *binary, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeModel, w2vee_model_unref)

/* ------------------------------------------------------------------------- */
/* Model URIs: hf://ORG/NAME[@REVISION] and https://BASE/ (docs/models.md)   */
/* ------------------------------------------------------------------------- */

/**
 * W2veeFetchProgressFunc:
 * @file: the file of the model being fetched ("config.json", "model.safetensors", ...).
 * @done: bytes of @file on disk so far (a resumed download starts above 0).
 * @total: the size of @file in bytes, as the server announced it.
 *
 * Called from the thread running w2vee_fetch() (for w2vee_fetch_async(): the task's
 * worker thread, never the caller's main context): once when a file starts (@done =
 * @total when it is already in the cache), at most every 100 ms while it downloads, and
 * once when it is complete and verified (@done = @total).
 */
typedef void (*W2veeFetchProgressFunc) (const char *file, guint64 done, guint64 total,
    gpointer user_data);

typedef struct {
  GCancellable *cancellable;        /* (nullable) w2vee_fetch() only (w2vee_fetch_async()
                                     * takes its own argument and needs NULL here): cancel
                                     * from any thread, the fetch fails with
                                     * G_IO_ERROR_CANCELLED and keeps what it downloaded */
  W2veeFetchProgressFunc progress;  /* (nullable) */
  gpointer progress_data;
  gboolean offline;                 /* never use the network, as HF_HUB_OFFLINE=1 or
                                     * W2VEE_OFFLINE=1 in the environment do */
} W2veeFetchParams;

/** Defaults: no cancellable, no progress, offline only if the environment says so. */
W2VEE_API W2veeFetchParams w2vee_fetch_default_params (void);

/**
 * w2vee_uri_is_remote:
 * Returns: TRUE when @path_or_uri starts with hf://, https:// or http:// (the latter is
 * accepted by w2vee_fetch() for loopback hosts only), i.e. names a model to fetch rather
 * than a local directory.
 */
W2VEE_API gboolean w2vee_uri_is_remote (const char *path_or_uri);

/**
 * w2vee_fetch:
 * @uri: hf://ORG/NAME[@REVISION] (REVISION defaults to main; files come from
 *   $HF_ENDPOINT/ORG/NAME/resolve/REVISION/FILE, HF_ENDPOINT defaulting to
 *   https://huggingface.co) or https://BASE/ (a URL holding the same files).
 * @params: (nullable): NULL for w2vee_fetch_default_params().
 *
 * Makes sure config.json and model.safetensors (or, where the server has no
 * model.safetensors, pytorch_model.bin) and, if the server has them, vocab.json and
 * preprocessor_config.json are in the cache ($W2VEE_CACHE, else $XDG_CACHE_HOME/w2vee),
 * downloading what is missing or changed: each download is resumable, checked against
 * the size and hash the server announced, and moved into place atomically. Blocks for as
 * long as the downloads take (use w2vee_fetch_async() or a thread of your own; cancel
 * with @params->cancellable). $HF_TOKEN, when set, is sent as a bearer token to the
 * HF_ENDPOINT origin only.
 *
 * Errors: W2VEE_ERROR_INVALID_ARGUMENT (malformed URI), W2VEE_ERROR_NOT_FOUND (a required
 * file is not on the server), W2VEE_ERROR_NETWORK, W2VEE_ERROR_CHECKSUM,
 * W2VEE_ERROR_OFFLINE, W2VEE_ERROR_IO (the cache cannot be written), or
 * G_IO_ERROR_CANCELLED. Messages name the URL (without its query), the file and the reason.
 *
 * Returns: (transfer full): the local snapshot directory holding the files, for
 * w2vee_model_load(), or NULL and @error.
 */
W2VEE_API char *w2vee_fetch (const char *uri, const W2veeFetchParams *params,
    GError **error);

/**
 * w2vee_fetch_async:
 * @uri: as for w2vee_fetch().
 * @params: (nullable): as for w2vee_fetch(), copied (the struct, not what it points
 *   to: @params->progress_data must stay valid until @callback runs). Its cancellable
 *   must be NULL: pass it as @cancellable (both set is a programmer error: a critical,
 *   and @callback is never called).
 * @cancellable: (nullable): cancels the fetch from any thread: it finishes promptly
 *   with G_IO_ERROR_CANCELLED and keeps what it downloaded, for the next fetch to resume.
 * @callback: called in the thread-default main context of the calling thread (which
 *   must run it) once the fetch is over; call w2vee_fetch_finish() there.
 *
 * w2vee_fetch() in a worker thread of GIO's pool (GTask): the caller does not block.
 * @params->progress is called from that worker thread, not from the main context.
 */
W2VEE_API void w2vee_fetch_async (const char *uri, const W2veeFetchParams *params,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

/**
 * w2vee_fetch_finish:
 * @result: the result passed to the callback of w2vee_fetch_async().
 *
 * Returns: (transfer full): the local snapshot directory, for w2vee_model_load(), or NULL
 * and @error: the errors of w2vee_fetch(); G_IO_ERROR_CANCELLED whenever @cancellable was
 * cancelled before the callback ran, even if the files had arrived (they stay cached).
 */
W2VEE_API char *w2vee_fetch_finish (GAsyncResult *result, GError **error);

/* ------------------------------------------------------------------------- */
/* Session                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct _W2veeSession W2veeSession;

/**
 * W2veeCompute:
 * @W2VEE_COMPUTE_DEFAULT: $W2VEE_COMPUTE when set ("openblas" or "dnnl"), else the
 *   build's default (meson option `compute`: oneDNN when the build has it).
 * @W2VEE_COMPUTE_OPENBLAS: every matrix product through OpenBLAS's sgemm (portable).
 * @W2VEE_COMPUTE_DNNL: the linear layers through oneDNN matmul primitives
 *   (W2VEE_ERROR_UNSUPPORTED when the build has no oneDNN).
 *
 * Which library computes the linear layers of a session (docs/performance.md).
 */
typedef enum {
  W2VEE_COMPUTE_DEFAULT = 0,
  W2VEE_COMPUTE_OPENBLAS,
  W2VEE_COMPUTE_DNNL,
} W2veeCompute;

/**
 * W2veePrecision:
 * @W2VEE_PRECISION_FP32: float32 everywhere (the parity suite's precision).
 * @W2VEE_PRECISION_BF16: the linear layers of the transformer and the feature
 *   projection, the conv feature encoder's layers after the first, the positional conv
 *   and attention's two products take bfloat16 weights and activations and accumulate
 *   in float32; oneDNN only, on CPUs with bfloat16 units (else
 *   W2VEE_ERROR_UNSUPPORTED).
 * @W2VEE_PRECISION_INT8: the same linear layers as int8 products (u8 activations
 *   quantized per row at run time, s8 weights per output channel at first use, int32
 *   sums, float32 out), and the conv layers after the first the same way (windows
 *   quantized per row); the positional conv in bfloat16 and attention's two products
 *   in int8 (q and k per row, the probabilities per row and block of 64 keys, v per
 *   column) where the CPU has bfloat16 units (else float32); oneDNN only, on CPUs
 *   with VNNI (else W2VEE_ERROR_UNSUPPORTED).
 *
 * Numeric precision of the linear layers (docs/performance.md lists which layers).
 */
typedef enum {
  W2VEE_PRECISION_FP32 = 0,
  W2VEE_PRECISION_BF16,
  W2VEE_PRECISION_INT8,
} W2veePrecision;

typedef struct {
  guint n_threads;   /* worker threads for this session; 0 = one per online CPU */
  gsize max_samples; /* longest input accepted by w2vee_session_run(), in samples */
  W2veeCompute compute;     /* backend of the linear layers */
  W2veePrecision precision; /* precision of the linear layers */
} W2veeSessionParams;

/** Defaults: n_threads 0, max_samples 30 s (480000), compute DEFAULT, precision FP32. */
W2VEE_API W2veeSessionParams w2vee_session_default_params (void);

/**
 * w2vee_session_new:
 * Allocates the whole workspace for inputs of up to @params->max_samples.
 * The session holds a reference on @model.
 */
W2VEE_API W2veeSession *w2vee_session_new (W2veeModel *model,
    const W2veeSessionParams *params, GError **error);
W2VEE_API void w2vee_session_free (W2veeSession *session);
W2VEE_API W2veeModel *w2vee_session_get_model (W2veeSession *session);
/** Bytes of workspace the session allocated. */
W2VEE_API gsize w2vee_session_workspace_bytes (const W2veeSession *session);

/**
 * w2vee_session_run:
 * @samples: (n_samples) 16 kHz mono float32; not modified.
 * @last_exit: 1..n_exits; layers beyond w2vee_model_exit_layer(@last_exit) are not run.
 *
 * Computes the logits of every exit 1..@last_exit (the heads are cheap; the layers are
 * shared). Allocates nothing. Fails with W2VEE_ERROR_INVALID_ARGUMENT when @n_samples
 * exceeds max_samples or @last_exit is out of range. An input shorter than one
 * receptive field gives T = 0 frames (and succeeds).
 */
W2VEE_API gboolean w2vee_session_run (W2veeSession *session, const float *samples,
    gsize n_samples, guint last_exit, GError **error);

/**
 * w2vee_session_begin:
 * @samples: (n_samples) 16 kHz mono float32; not modified (and not needed after this).
 *
 * Starts an incremental forward pass: input normalisation, the conv feature encoder,
 * the feature projection and the positional conv, no transformer layer. Forgets the
 * previous input (w2vee_session_last_exit() and w2vee_session_last_layer() become 0).
 * Allocates nothing. Fails with W2VEE_ERROR_INVALID_ARGUMENT when @n_samples exceeds
 * max_samples.
 */
W2VEE_API gboolean w2vee_session_begin (W2veeSession *session, const float *samples,
    gsize n_samples, GError **error);

/**
 * w2vee_session_advance:
 * @exit: 1..n_exits, at least w2vee_session_last_exit().
 *
 * Carries the pass begun by w2vee_session_begin() on from the layer where it stopped
 * to layer w2vee_model_exit_layer(@exit), computing the heads of the exits passed on the
 * way: afterwards exits 1..@exit hold logits. No layer is ever computed twice for one
 * input; @exit equal to the last exit does nothing. begin + advance (in any number of
 * steps) gives bit-identical logits to w2vee_session_run(). Allocates nothing. Fails
 * with W2VEE_ERROR_INVALID_ARGUMENT when nothing was begun, @exit is out of range or
 * below w2vee_session_last_exit().
 */
W2VEE_API gboolean w2vee_session_advance (W2veeSession *session, guint exit,
    GError **error);

/** Transformer layers computed for the current input (0 before any run): its cost. */
W2VEE_API guint w2vee_session_last_layer (const W2veeSession *session);
/** Exits evaluated for the current input: 1..this hold logits (0 before advancing). */
W2VEE_API guint w2vee_session_last_exit (const W2veeSession *session);
/** Transformer layers computed since the session was made, over all inputs. */
W2VEE_API guint64 w2vee_session_layer_count (const W2veeSession *session);

/** Stages of the forward pass, for w2vee_session_get_profile(). */
typedef enum {
  W2VEE_STAGE_CONV,        /* input normalisation and the conv feature encoder */
  W2VEE_STAGE_PROJECTION,  /* feature projection, positional conv, encoder LayerNorm */
  W2VEE_STAGE_ATTENTION,   /* q/k/v projections, attention, output projection, its LayerNorm */
  W2VEE_STAGE_FFN,         /* feed-forward blocks and their LayerNorm */
  W2VEE_STAGE_HEADS,       /* exit heads */
  W2VEE_N_STAGES
} W2veeStage;

/**
 * w2vee_session_set_profiling:
 * When enabled, each run records the wall time of every W2veeStage (summed over
 * layers); the clock reads cost a few microseconds per layer. Off by default.
 */
W2VEE_API void w2vee_session_set_profiling (W2veeSession *session, gboolean enabled);
/** Seconds spent in each W2veeStage by the last run (zeros unless profiling). */
W2VEE_API void w2vee_session_get_profile (const W2veeSession *session,
    double seconds[W2VEE_N_STAGES]);

/**
 * w2vee_session_logits:
 * Returns: (transfer none): the logits of @exit from the last run, row-major (T, V),
 * valid until the next run; NULL if @exit was not computed. @n_frames receives T.
 */
W2VEE_API const float *w2vee_session_logits (const W2veeSession *session, guint exit,
    gsize *n_frames);

/* ------------------------------------------------------------------------- */
/* Early exit that decides for itself (docs/early-exit.md)                   */
/* ------------------------------------------------------------------------- */

/**
 * W2veeScore: confidence rules, each a number in [0, 1] computed from one exit's
 * logits, higher meaning surer. Posteriors are the softmax of a frame's logits; a
 * frame is "non-blank" when its most likely token is not the CTC blank; entropies are
 * divided by ln V. An input of 0 frames scores 1 under every rule; a rule over
 * non-blank frames or words falls back to all frames when there are none.
 * @W2VEE_SCORE_MEAN_ENTROPY: 1 − mean normalised entropy over all frames.
 * @W2VEE_SCORE_NONBLANK_ENTROPY: 1 − mean normalised entropy over non-blank frames.
 * @W2VEE_SCORE_NONBLANK_POSTERIOR: mean max-posterior over non-blank frames.
 * @W2VEE_SCORE_WORD_MIN: the least confident word's confidence (its mean max-posterior
 *   from its first to its last token frame, as W2veeWord.confidence).
 * @W2VEE_SCORE_AGREEMENT: how far this exit agrees with the exit before it: the share
 *   of frames with the same most likely token among the frames where either exit's is
 *   not the blank (1 when there are none). It compares two exits: exit 1 scores 0
 *   (w2vee_session_exit_score()); w2vee_ctc_score() gives NAN, w2vee_ctc_agreement()
 *   computes it.
 */
typedef enum {
  W2VEE_SCORE_MEAN_ENTROPY,
  W2VEE_SCORE_NONBLANK_ENTROPY,
  W2VEE_SCORE_NONBLANK_POSTERIOR,
  W2VEE_SCORE_WORD_MIN,
  W2VEE_SCORE_AGREEMENT,
  W2VEE_N_SCORES
} W2veeScore;

/** The rule's name: "mean-entropy", "nonblank-entropy", "nonblank-posterior",
 * "word-min", "agreement"; NULL if out of range. */
W2VEE_API const char *w2vee_score_name (W2veeScore rule);
/** Parses a name of w2vee_score_name(); FALSE when it is none. */
W2VEE_API gboolean w2vee_score_from_name (const char *name, W2veeScore *rule);

/**
 * w2vee_ctc_score:
 * @logits: (n_frames, V) of one exit.
 * Returns: the confidence of @logits under @rule, in [0, 1] (NAN for
 * W2VEE_SCORE_AGREEMENT, which needs two exits). Allocates nothing.
 */
W2VEE_API double w2vee_ctc_score (const W2veeModel *model, const float *logits,
    gsize n_frames, W2veeScore rule);

/**
 * w2vee_ctc_agreement:
 * @previous: (n_frames, V) logits of an exit.
 * @logits: (n_frames, V) logits of the exit after it.
 * Returns: W2VEE_SCORE_AGREEMENT of @logits against @previous, in [0, 1].
 */
W2VEE_API double w2vee_ctc_agreement (const W2veeModel *model, const float *previous,
    const float *logits, gsize n_frames);

/**
 * w2vee_session_exit_score:
 * Returns: the confidence of exit @exit of the current input under @rule, or NAN when
 * that exit was not evaluated (above w2vee_session_last_exit()).
 */
W2VEE_API double w2vee_session_exit_score (const W2veeSession *session, guint exit,
    W2veeScore rule);

/**
 * w2vee_session_run_confident:
 * @max_exit: the deepest exit allowed, 1..n_exits.
 * @exit: (out) (optional): the exit chosen.
 *
 * The confidence policy: begins @samples and advances one exit at a time, stopping at
 * the first exit whose score under @rule reaches @threshold, else at @max_exit. Its
 * logits are w2vee_session_logits (session, *@exit); the cost is
 * w2vee_session_last_layer(). Allocates nothing.
 */
W2VEE_API gboolean w2vee_session_run_confident (W2veeSession *session,
    const float *samples, gsize n_samples, W2veeScore rule, double threshold,
    guint max_exit, guint *exit, GError **error);

/**
 * w2vee_exit_policy_pick:
 * @scores: (n) the scores of exits 1..n.
 * Returns: the first exit (1-based) whose score is >= @threshold, else @n (0 for n = 0).
 */
W2VEE_API guint w2vee_exit_policy_pick (const double *scores, guint n, double threshold);

/**
 * w2vee_exit_policy_load:
 * @model_dir: a model directory.
 * @rule: (out): the rule its early_exit.json names.
 * @threshold: (out): its calibrated threshold.
 *
 * Reads MODEL_DIR/early_exit.json, a JSON object {"rule": NAME, "threshold": T, ...}
 * (other members are ignored; docs/early-exit.md). Fails with W2VEE_ERROR_NOT_FOUND when
 * the file is absent, W2VEE_ERROR_CONFIG when it is invalid (message: file and reason).
 */
W2VEE_API gboolean w2vee_exit_policy_load (const char *model_dir, W2veeScore *rule,
    double *threshold, GError **error);

/**
 * w2vee_session_deepest_exit_within:
 * The deadline policy: the deepest exit whose predicted compute time for @n_samples
 * (w2vee_session_predict_seconds()) is at most @budget_seconds; 1 when none fits.
 *
 * The prediction is the session's cost model: seconds of compute per second of audio
 * for w2vee_session_begin() and for each layer (with the heads reading it), an
 * exponential average (weight 0.25 for the newest) of this session's own timings of
 * every begin and advance, primed from the FLOP count at 2 GFLOP/s per thread until
 * the first timing. Per-audio-second costs are linear in the length; attention grows
 * faster, so a model fed segments of similar lengths predicts best.
 */
W2VEE_API guint w2vee_session_deepest_exit_within (const W2veeSession *session,
    gsize n_samples, double budget_seconds);
/** Predicted seconds to run @n_samples from begin up to @exit (0 if out of range). */
W2VEE_API double w2vee_session_predict_seconds (const W2veeSession *session,
    gsize n_samples, guint exit);
/**
 * w2vee_session_get_cost_model:
 * @begin_cost: (out) (optional): seconds per audio second of w2vee_session_begin().
 * @layer_costs: (out) (optional): (n_layers) seconds per audio second of each layer.
 */
W2VEE_API void w2vee_session_get_cost_model (const W2veeSession *session,
    double *begin_cost, double *layer_costs);
/** Replaces the cost model (as if measured; later timings average into it). */
W2VEE_API void w2vee_session_set_cost_model (W2veeSession *session, double begin_cost,
    const double *layer_costs);

/* ------------------------------------------------------------------------- */
/* CTC greedy decoding                                                       */
/* ------------------------------------------------------------------------- */

typedef struct {
  char *word;           /* UTF-8, as spelled by the vocabulary (upper case for English) */
  gsize first_frame;    /* first frame of the word's first token */
  gsize last_frame;     /* last frame of the word's last token (inclusive) */
  guint64 start_sample; /* first_frame * stride, relative to the decoded input */
  guint64 end_sample;   /* last_frame * stride + receptive_field (exclusive) */
  float confidence;     /* mean max-posterior over frames first..last, 0..1 */
} W2veeWord;

typedef struct {
  char *text;           /* words joined by single spaces; "" when nothing was said */
  float confidence;     /* mean max-posterior over the frames inside words (all frames
                         * when there is no word), 0..1; 0 for T = 0 */
  gsize n_frames;       /* T */
  guint n_words;
  W2veeWord *words;     /* (n_words) */
  const char *decoder;  /* (static) what made it: "greedy" (w2vee_ctc_greedy()), "beam"
                         * or "beam+lm" (w2vee_decoder_decode(), w2vee-lm.h) */
} W2veeTranscript;

/**
 * w2vee_ctc_greedy:
 * @logits: (n_frames, V) of one exit.
 * Argmax per frame, collapse repeats, drop the blank, word delimiter "|" splits words,
 * other special tokens ("<...>") are dropped. Never fails; allocates the result.
 */
W2VEE_API W2veeTranscript *w2vee_ctc_greedy (const W2veeModel *model, const float *logits,
    gsize n_frames);
W2VEE_API void w2vee_transcript_free (W2veeTranscript *transcript);

/* ------------------------------------------------------------------------- */
/* Segmentation by silence (shared by the element and the CLI)               */
/* ------------------------------------------------------------------------- */

/* The segmenter looks at energy only (RMS in dBFS over 10 ms blocks of 160 samples).
 * A block is speech when its RMS reaches silence_threshold_db AND its level (power
 * averaged over the last 50 ms) is noise_margin_db above the noise floor, the lowest
 * such level of the last 5 s: steady background noise louder than the threshold is
 * silence. It owns no audio: the caller keeps samples from w2vee_segmenter_keep_from()
 * on and cuts segments out of them. Positions are sample counts since the last reset. */

typedef struct {
  double silence_threshold_db;  /* blocks with RMS below this (dBFS) are silence; default -40 */
  gsize min_silence_samples;    /* silence that ends a segment; default 0.5 s (8000) */
  gsize max_segment_samples;    /* a segment never exceeds this; default 10 s (160000) */
  double noise_margin_db;       /* dB above the tracked noise floor that speech must reach;
                                 * default 8; 0 turns the noise floor off (a fixed gate at
                                 * silence_threshold_db, which also lets a steady tone or
                                 * noise longer than 5 s count as speech) */
} W2veeSegmenterParams;

typedef struct {
  guint64 start;  /* first sample of the segment */
  gsize length;   /* samples; never 0, never above max_segment_samples */
} W2veeSegment;

typedef struct _W2veeSegmenter W2veeSegmenter;

W2VEE_API W2veeSegmenterParams w2vee_segmenter_default_params (void);
W2VEE_API W2veeSegmenter *w2vee_segmenter_new (const W2veeSegmenterParams *params);
W2VEE_API void w2vee_segmenter_free (W2veeSegmenter *segmenter);
/** Forgets all state; the next sample pushed is position 0. */
W2VEE_API void w2vee_segmenter_reset (W2veeSegmenter *segmenter);
/**
 * w2vee_segmenter_push:
 * Feeds @n samples. Writes up to @max_out segments that ended within them to @out and
 * returns how many (segments made only of silence are never returned). When more than
 * @max_out end in one push, the rest are returned by the next push or flush.
 */
W2VEE_API gsize w2vee_segmenter_push (W2veeSegmenter *segmenter, const float *samples,
    gsize n, W2veeSegment *out, gsize max_out);
/** Ends the stream: returns TRUE and the pending segment if it holds speech. Segments
 * still queued by push come first, one per call: call until it returns FALSE. */
W2VEE_API gboolean w2vee_segmenter_flush (W2veeSegmenter *segmenter, W2veeSegment *out);
/** Earliest position a future segment can start at; older samples may be dropped. */
W2VEE_API guint64 w2vee_segmenter_keep_from (const W2veeSegmenter *segmenter);
/**
 * w2vee_segmenter_peek:
 * The segment being collected, for partial results: returns TRUE while a segment that
 * holds speech is open (not yet returned by push or flush), with @out->start its first
 * sample and @out->length the samples from there to the last sample pushed, at most
 * max_segment_samples. Returns FALSE (and leaves @out alone) otherwise.
 */
W2VEE_API gboolean w2vee_segmenter_peek (const W2veeSegmenter *segmenter,
    W2veeSegment *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeSegmenter, w2vee_segmenter_free)

/** Converts a sample count at W2VEE_SAMPLE_RATE to nanoseconds. */
static inline guint64
w2vee_samples_to_ns (guint64 samples)
{
  return samples * G_GUINT64_CONSTANT (1000000000) / W2VEE_SAMPLE_RATE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeSession, w2vee_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeTranscript, w2vee_transcript_free)

G_END_DECLS

/* The beam-search decoder, lexicon and language model. */
#include "w2vee/w2vee-lm.h"

#endif /* W2VEE_H */
