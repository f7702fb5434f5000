/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* CTC prefix beam search with a lexicon trie and a word n-gram LM (docs/decoder.md).
 *
 * A hypothesis is a token sequence (a prefix): a node of a prefix tree kept in an arena
 * (parent, token, lexicon and LM state). Per frame each hypothesis of the beam carries
 * the log probability of all alignments of the frames so far that collapse to it,
 * split by whether the last frame was blank (lp_b) or its last token (lp_nb), as in
 * the CTC forward recursion; so with an unbounded beam the search is exact. Candidates
 * are ranked by acoustic + closed words' scores + an LM look-ahead for the open word
 * (the best unigram below its trie node), pruned by beam_threshold and beam_size.
 *
 * Shapes legend: T = frames, V = vocabulary size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

#define NONE G_MAXUINT32
#define LN10 2.302585092994046

typedef struct {
  guint32 parent;        /* node, or NONE for the root */
  guint32 first_child;   /* NONE when none */
  guint32 next_sibling;  /* NONE when none */
  guint32 token;         /* last token of the prefix (root: the blank) */
  gint32 trie;           /* lexicon node of the open word (0 = no open word), or -1 when
                          * the open word is off the lexicon / there is no lexicon */
  gint32 word;           /* lexicon word this node's '|' closed, else -1 */
  guint32 word_len;      /* tokens of the open word */
  guint32 n_ctx;         /* LM context length */
  guint32 ctx[W2VEE_LM_MAX_ORDER - 1]; /* LM context, most recent last */
  double bonus;          /* natural log: LM, word and unk scores of the closed words */
} Node;

typedef struct {
  guint32 node;          /* arena node, or NONE for a new prefix (proto) */
  double lp_b, lp_nb;    /* acoustic log probabilities: ending in blank / in the token */
  double rank;           /* for pruning */
  Node proto;            /* the new prefix's node, when node == NONE */
} Cand;

typedef struct {
  guint32 node;
  double lp_b, lp_nb;
} Hyp;

struct _W2veeDecoder {
  const W2veeModel *model;     /* reference held */
  W2veeLm *lm;                 /* (nullable) reference held */
  W2veeLexicon *lex;           /* (nullable) reference held */
  W2veeDecoderParams p;
  gsize V;
  guint32 blank, delim;
  double lm_scale;             /* lm_weight * ln 10 (0 without an LM) */
  guint32 *word_lm;            /* (lexicon words) LM id of each word */
  float *lookahead;            /* (trie nodes) lm_scale * best unigram log10 below */
  guint32 n_labels;            /* tokens that can be emitted (not blank, not special) */
  guint32 *labels;             /* (n_labels) */

  /* scratch, grown to the largest decode and reused */
  float *logp;  gsize logp_cap;       /* (T, V) log-softmax */
  float *blank_lp;                    /* (T) log(P(blank) + P(specials)) */
  float *post;  gsize t_cap;          /* (T) max posterior per frame */
  Node *arena;  guint32 n_nodes, arena_cap;
  guint32 *slot, *stamp;              /* (arena_cap) candidate of a node in this frame */
  Cand *cands;  gsize n_cands, cand_cap;
  Hyp *beam, *next; gsize n_beam, beam_cap;
  guint32 *order; gsize order_cap;    /* candidate indices, for sorting */
  guint32 *top;                       /* (n_labels) tokens of the frame, likeliest first */
  guint32 *seq; gsize seq_cap;        /* tokens of the best prefix */
  guint32 *seq_nodes;                 /* (seq_cap) their nodes */
  gsize *first, *last;                /* (seq_cap) each token's first and last frame */
  guint8 *back; gsize back_cap;       /* (T, 2U+1) Viterbi back-pointers */
  double *vit; gsize vit_cap;         /* (2, 2U+1) Viterbi scores */
};

W2veeDecoderParams
w2vee_decoder_default_params (void)
{
  W2veeDecoderParams p = {
    .beam_size = 100,
    .beam_size_token = 6,
    .beam_threshold = 25.0,
    .lm_weight = 0.75,
    .word_score = 1.0,
    .unk_score = -INFINITY,
  };
  return p;
}

static double
lse (double a, double b)
{
  if (a == -INFINITY)
    return b;
  if (b == -INFINITY)
    return a;
  return a > b ? a + log1p (exp (b - a)) : b + log1p (exp (a - b));
}

#define GROW(ptr, cap, need) G_STMT_START { \
    if ((need) > (cap)) { \
      gsize c_ = MAX ((gsize) (need), (gsize) (cap) * 2); \
      (ptr) = g_renew (__typeof__ (*(ptr)), (ptr), c_); \
      (cap) = c_; \
    } \
  } G_STMT_END

W2veeDecoder *
w2vee_decoder_new (const W2veeModel *model, W2veeLm *lm, W2veeLexicon *lexicon,
    const W2veeDecoderParams *params, GError **error)
{
  W2veeDecoderParams p = params ? *params : w2vee_decoder_default_params ();
  W2veeDecoder *d;
  guint i;

  g_return_val_if_fail (model != NULL, NULL);
  if (p.beam_size == 0 || isnan (p.beam_threshold) || p.beam_threshold <= 0
      || !isfinite (p.lm_weight) || !isfinite (p.word_score) || isnan (p.unk_score)
      || p.unk_score == INFINITY) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "bad decoder parameters: "
        "beam_size >= 1, beam_threshold > 0, finite lm_weight and word_score, unk_score "
        "finite or -inf");
    return NULL;
  }
  if (model->word_delimiter_id < 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s: the vocabulary has no word "
        "delimiter '|'", w2vee_model_path (model));
    return NULL;
  }
  if (lexicon != NULL && lexicon->vocab_size != model->cfg.vocab_size) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "the lexicon was made for a "
        "vocabulary of %" G_GSIZE_FORMAT " tokens, the model has %" G_GSIZE_FORMAT,
        lexicon->vocab_size, model->cfg.vocab_size);
    return NULL;
  }

  d = g_new0 (W2veeDecoder, 1);
  d->model = w2vee_model_ref ((W2veeModel *) model);
  d->p = p;
  d->V = model->cfg.vocab_size;
  d->blank = model->cfg.pad_token_id;
  d->delim = model->word_delimiter_id;
  if (lm != NULL) {
    d->lm = w2vee_lm_ref (lm);
    d->lm_scale = p.lm_weight * LN10;
    if (lexicon == NULL) {
      lexicon = w2vee_lexicon_new_from_lm (lm, model, error);
      if (lexicon == NULL) {
        w2vee_decoder_free (d);
        return NULL;
      }
      d->lex = lexicon;
    }
  }
  if (d->lex == NULL && lexicon != NULL)
    d->lex = w2vee_lexicon_ref (lexicon);

  if (d->lex != NULL) {
    guint n_nodes = d->lex->nodes->len;

    d->word_lm = g_new (guint32, d->lex->words->len);
    d->lookahead = g_new0 (float, n_nodes);
    for (i = 0; i < d->lex->words->len; i++)
      d->word_lm[i] = d->lm ? w2vee_lm_word_id (d->lm, d->lex->words->pdata[i]) : NONE;
    if (d->lm != NULL) {
      /* children come after their parent in the trie: one pass from the end */
      for (i = 0; i < n_nodes; i++)
        d->lookahead[i] = -INFINITY;
      for (i = n_nodes; i-- > 0;) {
        const W2veeTrieNode *n = &g_array_index (d->lex->nodes, W2veeTrieNode, i);
        guint k;

        if (n->word >= 0) {
          guint32 ctx[W2VEE_LM_MAX_ORDER];
          guint n_out;
          float uni = w2vee_lm_score (d->lm, ctx, 0, d->word_lm[n->word], ctx, &n_out);

          d->lookahead[i] = MAX (d->lookahead[i], (float) (d->lm_scale * uni));
        }
        for (k = 0; k < n->n_edges; k++) {
          guint32 c = g_array_index (d->lex->edges, W2veeTrieEdge, n->first_edge + k).child;
          d->lookahead[i] = MAX (d->lookahead[i], d->lookahead[c]);
        }
      }
      d->lookahead[0] = 0.0f;
    }
  }

  d->labels = g_new (guint32, d->V);
  d->top = g_new (guint32, d->V);
  for (i = 0; i < d->V; i++) {
    if (i != d->blank && !model->is_special[i])
      d->labels[d->n_labels++] = i;
  }
  return d;
}

void
w2vee_decoder_free (W2veeDecoder *d)
{
  if (d == NULL)
    return;
  w2vee_model_unref ((W2veeModel *) d->model);
  g_clear_pointer (&d->lm, w2vee_lm_unref);
  g_clear_pointer (&d->lex, w2vee_lexicon_unref);
  g_free (d->word_lm);
  g_free (d->lookahead);
  g_free (d->labels);
  g_free (d->top);
  g_free (d->logp);
  g_free (d->blank_lp);
  g_free (d->post);
  g_free (d->arena);
  g_free (d->slot);
  g_free (d->stamp);
  g_free (d->cands);
  g_free (d->beam);
  g_free (d->next);
  g_free (d->order);
  g_free (d->seq);
  g_free (d->seq_nodes);
  g_free (d->first);
  g_free (d->last);
  g_free (d->back);
  g_free (d->vit);
  g_free (d);
}

const char *
w2vee_decoder_name (const W2veeDecoder *d)
{
  return d->lm ? "beam+lm" : "beam";
}

/* Score of closing the open word of @n into @out (the state after it); -INFINITY when
 * the word may not be closed (off the lexicon with unk_score -inf). */
static double
close_word (const W2veeDecoder *d, const Node *n, Node *out)
{
  gint32 word = -1;
  double s = d->p.word_score;

  if (d->lex != NULL) {
    if (n->trie > 0)
      word = g_array_index (d->lex->nodes, W2veeTrieNode, n->trie).word;
    if (word < 0) {
      if (d->p.unk_score == -INFINITY)
        return -INFINITY;
      s += d->p.unk_score;
    }
  }
  out->n_ctx = n->n_ctx;
  memcpy (out->ctx, n->ctx, sizeof n->ctx);
  if (d->lm != NULL)
    s += d->lm_scale * w2vee_lm_score (d->lm, n->ctx, n->n_ctx,
        word >= 0 ? d->word_lm[word] : NONE, out->ctx, &out->n_ctx);
  out->word = word;
  out->trie = 0;
  out->word_len = 0;
  return s;
}

/* The node @n followed by @token, into @out; FALSE when the lexicon forbids it. */
static gboolean
extend (const W2veeDecoder *d, guint32 parent, const Node *n, guint32 token, Node *out)
{
  *out = *n;
  out->parent = parent;
  out->first_child = out->next_sibling = NONE;
  out->token = token;
  out->word = -1;
  if (token == d->delim) {
    double s;

    if (n->word_len == 0)
      return TRUE;  /* a '|' with no open word closes nothing */
    s = close_word (d, n, out);
    if (s == -INFINITY)
      return FALSE;
    out->bonus = n->bonus + s;
    return TRUE;
  }
  out->word_len = n->word_len + 1;
  if (d->lex == NULL || n->trie < 0) {
    out->trie = -1;
    return TRUE;
  }
  out->trie = w2vee_lexicon_child (d->lex, n->trie, token);
  return out->trie >= 0 || d->p.unk_score > -INFINITY;
}

static double
lookahead (const W2veeDecoder *d, const Node *n)
{
  return d->lookahead != NULL && n->trie > 0 ? d->lookahead[n->trie] : 0.0;
}

/* The candidate slot of arena node @node in this frame (made when missing). */
static Cand *
cand_of_node (W2veeDecoder *d, guint32 node, guint32 frame_stamp)
{
  Cand *c;

  if (d->stamp[node] == frame_stamp)
    return &d->cands[d->slot[node]];
  GROW (d->cands, d->cand_cap, d->n_cands + 1);
  d->stamp[node] = frame_stamp;
  d->slot[node] = (guint32) d->n_cands;
  c = &d->cands[d->n_cands++];
  c->node = node;
  c->lp_b = c->lp_nb = -INFINITY;
  return c;
}

static guint32
new_node (W2veeDecoder *d, const Node *proto)
{
  guint32 id = d->n_nodes;

  if (d->n_nodes == d->arena_cap) {
    guint32 cap = MAX (1024, d->arena_cap * 2);

    d->arena = g_renew (Node, d->arena, cap);
    d->slot = g_renew (guint32, d->slot, cap);
    d->stamp = g_renew (guint32, d->stamp, cap);
    d->arena_cap = cap;
  }
  d->arena[id] = *proto;
  d->stamp[id] = 0;
  if (proto->parent != NONE) {
    d->arena[id].next_sibling = d->arena[proto->parent].first_child;
    d->arena[proto->parent].first_child = id;
  }
  d->n_nodes++;
  return id;
}

static guint32
find_child (const W2veeDecoder *d, guint32 node, guint32 token)
{
  guint32 c;

  for (c = d->arena[node].first_child; c != NONE; c = d->arena[c].next_sibling) {
    if (d->arena[c].token == token)
      return c;
  }
  return NONE;
}

static int
cmp_token (gconstpointer a, gconstpointer b, gpointer data)
{
  const float *row = data;
  float x = row[*(const guint32 *) a], y = row[*(const guint32 *) b];

  return x > y ? -1 : x < y ? 1 : (*(const guint32 *) a > *(const guint32 *) b)
      - (*(const guint32 *) a < *(const guint32 *) b);
}

/* TRUE when candidate @a ranks before @b (higher rank; ties: lower index). */
static inline gboolean
before (const Cand *cands, guint32 a, guint32 b)
{
  return cands[a].rank > cands[b].rank || (cands[a].rank == cands[b].rank && a < b);
}

/* Reorders @idx (n) so that its first @k entries are the k best candidates (in no
 * particular order): quickselect, O(n) on average. */
static void
select_best (const Cand *cands, guint32 *idx, gsize n, gsize k)
{
  gsize lo = 0, hi = n;  /* the k-th best lies in idx[lo, hi) */

  while (hi - lo > 1) {
    guint32 pivot = idx[lo + (hi - lo) / 2], tmp;
    gsize i = lo, j = lo, m = hi;

    /* three-way partition: [lo, i) before pivot, [i, j) pivot, [m, hi) after */
    while (j < m) {
      if (before (cands, idx[j], pivot)) {
        tmp = idx[i]; idx[i] = idx[j]; idx[j] = tmp;
        i++;
        j++;
      } else if (idx[j] == pivot) {
        j++;
      } else {
        m--;
        tmp = idx[j]; idx[j] = idx[m]; idx[m] = tmp;
      }
    }
    if (k <= i)
      hi = i;
    else if (k <= j)
      return;
    else
      lo = j;
  }
}

/* Makes room for @n hypotheses in d->beam and d->next. */
static void
ensure_beam (W2veeDecoder *d, gsize n)
{
  if (n <= d->beam_cap)
    return;
  d->beam_cap = MAX (n, d->beam_cap * 2);
  d->beam = g_renew (Hyp, d->beam, d->beam_cap);
  d->next = g_renew (Hyp, d->next, d->beam_cap);
}

/* One frame: from d->beam to d->next (then swapped). */
static void
step (W2veeDecoder *d, gsize t)
{
  const float *row = d->logp + t * d->V;  /* (V) */
  double blank = d->blank_lp[t], best = -INFINITY;
  guint32 frame_stamp = (guint32) t + 1, n_top, i, k;
  gsize h, n_keep;

  /* the tokens tried this frame */
  n_top = d->n_labels;
  memcpy (d->top, d->labels, n_top * sizeof (guint32));
  if (d->p.beam_size_token > 0 && d->p.beam_size_token < n_top) {
    g_qsort_with_data (d->top, n_top, sizeof (guint32), cmp_token, (gpointer) row);
    n_top = d->p.beam_size_token;
  }

  d->n_cands = 0;
  for (h = 0; h < d->n_beam; h++) {
    const Hyp hy = d->beam[h];
    double total = lse (hy.lp_b, hy.lp_nb);
    Node node = d->arena[hy.node];
    Cand *c = cand_of_node (d, hy.node, frame_stamp);

    c->lp_b = lse (c->lp_b, total + blank);
    if (node.parent != NONE)
      c->lp_nb = lse (c->lp_nb, hy.lp_nb + row[node.token]);

    for (k = 0; k < n_top; k++) {
      guint32 tok = d->top[k], child;
      double lp = (tok == node.token && node.parent != NONE ? hy.lp_b : total) + row[tok];

      if (lp == -INFINITY)
        continue;
      child = find_child (d, hy.node, tok);
      if (child != NONE) {
        c = cand_of_node (d, child, frame_stamp);
        c->lp_nb = lse (c->lp_nb, lp);
        continue;
      }
      GROW (d->cands, d->cand_cap, d->n_cands + 1);
      c = &d->cands[d->n_cands];
      if (!extend (d, hy.node, &node, tok, &c->proto))
        continue;
      c->node = NONE;
      c->lp_b = -INFINITY;
      c->lp_nb = lp;
      d->n_cands++;
    }
  }

  /* rank, threshold, keep the best beam_size */
  GROW (d->order, d->order_cap, d->n_cands);
  for (i = 0; i < d->n_cands; i++) {
    Cand *c = &d->cands[i];
    const Node *n = c->node != NONE ? &d->arena[c->node] : &c->proto;

    c->rank = lse (c->lp_b, c->lp_nb) + n->bonus + lookahead (d, n);
    best = MAX (best, c->rank);
  }
  n_keep = 0;
  for (i = 0; i < d->n_cands; i++) {
    if (d->cands[i].rank > -INFINITY && d->cands[i].rank >= best - d->p.beam_threshold)
      d->order[n_keep++] = i;
  }
  if (n_keep > d->p.beam_size) {
    select_best (d->cands, d->order, n_keep, d->p.beam_size);
    n_keep = d->p.beam_size;
  }
  ensure_beam (d, n_keep);
  for (i = 0; i < n_keep; i++) {
    Cand *c = &d->cands[d->order[i]];

    if (c->node == NONE)
      c->node = new_node (d, &c->proto);
    d->next[i].node = c->node;
    d->next[i].lp_b = c->lp_b;
    d->next[i].lp_nb = c->lp_nb;
  }
  {
    Hyp *tmp = d->beam;
    d->beam = d->next;
    d->next = tmp;
  }
  d->n_beam = n_keep;
}

/* Log-softmax of every frame into d->logp, the blank (+ specials) column, max
 * posteriors. FALSE on a non-finite logit. */
static gboolean
prepare (W2veeDecoder *d, const float *logits, gsize T, GError **error)
{
  gsize V = d->V, t, v;

  GROW (d->logp, d->logp_cap, T * V);
  if (T > d->t_cap) {
    d->blank_lp = g_renew (float, d->blank_lp, T);
    d->post = g_renew (float, d->post, T);
    d->t_cap = T;
  }
  for (t = 0; t < T; t++) {
    const float *row = logits + t * V;
    float *out = d->logp + t * V;
    double mx = -INFINITY, z = 0.0, b = 0.0;

    for (v = 0; v < V; v++) {
      if (!isfinite (row[v])) {
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
            "logit (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") is not finite", t, v);
        return FALSE;
      }
      mx = MAX (mx, row[v]);
    }
    for (v = 0; v < V; v++)
      z += exp ((double) row[v] - mx);
    for (v = 0; v < V; v++) {
      out[v] = (float) ((double) row[v] - mx - log (z));
      if (v == d->blank || d->model->is_special[v])
        b += exp ((double) row[v] - mx);
    }
    d->blank_lp[t] = (float) (log (b) - log (z));
    d->post[t] = (float) (1.0 / z);
  }
  return TRUE;
}

/* Viterbi alignment of d->seq (U tokens) to the T frames: for token j, its first and
 * last frame into first[j], last[j]. */
static void
align (W2veeDecoder *d, gsize T, gsize U, gsize *first, gsize *last)
{
  gsize S = 2 * U + 1, t, s;
  double *prev, *cur;

  GROW (d->back, d->back_cap, T * S);
  GROW (d->vit, d->vit_cap, 2 * S);
  prev = d->vit;
  cur = d->vit + S;
  for (t = 0; t < T; t++) {
    const float *row = d->logp + t * d->V;

    for (s = 0; s < S; s++) {
      double e = s % 2 == 0 ? d->blank_lp[t] : row[d->seq[s / 2]];
      double bestv = -INFINITY;
      guint8 from = 0;

      if (t == 0) {
        bestv = s <= 1 ? 0.0 : -INFINITY;
      } else {
        bestv = prev[s];
        if (s >= 1 && prev[s - 1] > bestv) {
          bestv = prev[s - 1];
          from = 1;
        }
        if (s >= 2 && s % 2 == 1 && d->seq[s / 2] != d->seq[s / 2 - 1]
            && prev[s - 2] > bestv) {
          bestv = prev[s - 2];
          from = 2;
        }
      }
      cur[s] = bestv + e;
      d->back[t * S + s] = from;
    }
    {
      double *tmp = prev;
      prev = cur;
      cur = tmp;
    }
  }
  s = (U > 0 && prev[S - 2] > prev[S - 1]) ? S - 2 : S - 1;
  for (t = T; t-- > 0;) {
    if (s % 2 == 1) {
      if (last[s / 2] == G_MAXSIZE)
        last[s / 2] = t;
      first[s / 2] = t;
    }
    s -= d->back[t * S + s];
  }
}

/* The transcript of arena node @best (final, its open word closed or not). */
static W2veeTranscript *
make_transcript (W2veeDecoder *d, guint32 best, gsize T)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (W2veeWord));
  gsize *first, *last;
  guint32 *nodes;
  GString *spelled = NULL;
  gsize U = 0, j, start = 0;
  guint32 n;

  for (n = best; d->arena[n].parent != NONE; n = d->arena[n].parent)
    U++;
  if (U + 1 > d->seq_cap) {
    d->seq_cap = MAX (U + 1, d->seq_cap * 2);
    d->seq = g_renew (guint32, d->seq, d->seq_cap);
    d->seq_nodes = g_renew (guint32, d->seq_nodes, d->seq_cap);
    d->first = g_renew (gsize, d->first, d->seq_cap);
    d->last = g_renew (gsize, d->last, d->seq_cap);
  }
  first = d->first;
  last = d->last;
  nodes = d->seq_nodes;
  j = U;
  for (n = best; d->arena[n].parent != NONE; n = d->arena[n].parent) {
    d->seq[--j] = d->arena[n].token;
    nodes[j] = n;
  }
  for (j = 0; j < U; j++)
    first[j] = last[j] = G_MAXSIZE;
  if (T > 0)
    align (d, T, U, first, last);

  /* walk the tokens with their nodes, to know each closed word */
  {
    for (j = 0; j <= U; j++) {
      gboolean ends = j == U || d->seq[j] == d->delim;
      gint32 word = -1;
      char *text;

      if (!ends) {
        if (spelled == NULL) {
          spelled = g_string_new (NULL);
          start = j;
        }
        g_string_append (spelled, d->model->tokens[d->seq[j]]);
        continue;
      }
      if (spelled == NULL)
        continue;
      if (j < U) {
        word = d->arena[nodes[j]].word;
      } else if (d->lex != NULL && d->arena[best].trie > 0) {
        word = g_array_index (d->lex->nodes, W2veeTrieNode, d->arena[best].trie).word;
      }
      if (word >= 0) {
        text = g_strdup (d->lex->words->pdata[word]);
        g_string_free (spelled, TRUE);
      } else {
        text = g_string_free (spelled, FALSE);
      }
      spelled = NULL;
      {
        W2veeWord w = w2vee_ctc_word (d->model, text, first[start], last[j - 1], d->post);
        g_array_append_val (words, w);
      }
    }
  }
  return w2vee_ctc_transcript_new (words, d->post, T, w2vee_decoder_name (d));
}

W2veeTranscript *
w2vee_decoder_decode (W2veeDecoder *d, const float *logits, gsize T, GError **error)
{
  Node root = { NONE, NONE, NONE, 0, 0, -1, 0, 0, { 0 }, 0.0 };
  double best_score = -INFINITY;
  guint32 best = 0;
  gsize t, h;

  g_return_val_if_fail (d != NULL, NULL);
  g_return_val_if_fail (logits != NULL || T == 0, NULL);
  if (!prepare (d, logits, T, error))
    return NULL;

  root.token = d->blank;
  if (d->lm != NULL && w2vee_lm_bos (d->lm) != W2VEE_LM_NO_WORD && w2vee_lm_order (d->lm) > 1)
    root.ctx[root.n_ctx++] = w2vee_lm_bos (d->lm);
  d->n_nodes = 0;
  new_node (d, &root);
  ensure_beam (d, 1);
  d->beam[0].node = 0;
  d->beam[0].lp_b = 0.0;
  d->beam[0].lp_nb = -INFINITY;
  d->n_beam = 1;

  for (t = 0; t < T; t++)
    step (d, t);

  for (h = 0; h < d->n_beam; h++) {
    const Node *n = &d->arena[d->beam[h].node];
    double s = lse (d->beam[h].lp_b, d->beam[h].lp_nb) + n->bonus;
    Node end = *n;

    if (n->word_len > 0)
      s += close_word (d, n, &end);
    if (d->lm != NULL && w2vee_lm_eos (d->lm) != W2VEE_LM_NO_WORD) {
      guint32 ctx[W2VEE_LM_MAX_ORDER];
      guint n_out;

      s += d->lm_scale * w2vee_lm_score (d->lm, end.ctx, end.n_ctx, w2vee_lm_eos (d->lm),
          ctx, &n_out);
    }
    if (s > best_score) {
      best_score = s;
      best = d->beam[h].node;
    }
  }
  if (best_score == -INFINITY && d->n_beam > 0) {
    /* Every hypothesis left ends inside a word that is not in the lexicon (the pruning
     * dropped the others; never with an unbounded beam, which keeps the empty prefix):
     * the best one without its open word, i.e. its prefix before the word started. */
    for (h = 0; h < d->n_beam; h++) {
      double s = lse (d->beam[h].lp_b, d->beam[h].lp_nb) + d->arena[d->beam[h].node].bonus;

      if (s > best_score) {
        best_score = s;
        best = d->beam[h].node;
      }
    }
    while (d->arena[best].word_len > 0)
      best = d->arena[best].parent;
  }
  return make_transcript (d, best, T);
}
