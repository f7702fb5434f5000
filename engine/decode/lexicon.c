/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The lexicon: words and their spellings in a model's tokens, as a trie (decode.h).
 * Readers for flashlight's lexicon format and the seed's tokens file, and the lexicon of
 * an LM's vocabulary (docs/decoder.md, "Lexicon").
 */
#include <string.h>

#include "decode/decode.h"

/* The lexicon being built: nodes with unsorted edges. */
typedef struct {
  GArray *edges;  /* (W2veeTrieEdge) or NULL */
  gint32 word;
} BuildNode;

typedef struct {
  GArray *nodes;          /* (BuildNode) */
  GPtrArray *words;       /* (char *) */
  GHashTable *word_ids;   /* text -> id + 1 (texts owned by words) */
} Builder;

/* Maps token texts to a model's ids. */
typedef struct {
  const W2veeModel *model;
  GHashTable *exact;      /* token text -> id + 1 */
  GHashTable *folded;     /* ASCII-lower-cased token text -> id + 1, or 0 when ambiguous */
} TokenMap;

static void
builder_init (Builder *b)
{
  BuildNode root = { NULL, -1 };

  b->nodes = g_array_new (FALSE, FALSE, sizeof (BuildNode));
  g_array_append_val (b->nodes, root);
  b->words = g_ptr_array_new_with_free_func (g_free);
  b->word_ids = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
builder_clear (Builder *b)
{
  guint i;

  for (i = 0; b->nodes && i < b->nodes->len; i++) {
    GArray *e = g_array_index (b->nodes, BuildNode, i).edges;
    if (e)
      g_array_unref (e);
  }
  g_clear_pointer (&b->nodes, g_array_unref);
  g_clear_pointer (&b->words, g_ptr_array_unref);
  g_clear_pointer (&b->word_ids, g_hash_table_unref);
}

/* Adds @word spelled @tokens (n). Returns FALSE when this word has this spelling
 * already; a spelling another word has keeps that word. */
static gboolean
builder_add (Builder *b, const char *word, const guint32 *tokens, guint n)
{
  gpointer p = g_hash_table_lookup (b->word_ids, word);
  guint32 node = 0;
  gint32 id;
  guint i, k;

  if (p == NULL) {
    g_ptr_array_add (b->words, g_strdup (word));
    id = (gint32) b->words->len - 1;
    g_hash_table_insert (b->word_ids, b->words->pdata[id], GINT_TO_POINTER (id + 1));
  } else {
    id = GPOINTER_TO_INT (p) - 1;
  }
  for (i = 0; i < n; i++) {
    BuildNode *bn = &g_array_index (b->nodes, BuildNode, node);
    guint32 child = 0;

    for (k = 0; bn->edges && k < bn->edges->len; k++) {
      if (g_array_index (bn->edges, W2veeTrieEdge, k).token == tokens[i]) {
        child = g_array_index (bn->edges, W2veeTrieEdge, k).child;
        break;
      }
    }
    if (child == 0) {
      BuildNode fresh = { NULL, -1 };
      W2veeTrieEdge e = { tokens[i], b->nodes->len };

      if (bn->edges == NULL)
        bn->edges = g_array_new (FALSE, FALSE, sizeof (W2veeTrieEdge));
      g_array_append_val (bn->edges, e);
      child = e.child;
      g_array_append_val (b->nodes, fresh);  /* may move bn */
    }
    node = child;
  }
  if (g_array_index (b->nodes, BuildNode, node).word == id)
    return FALSE;
  if (g_array_index (b->nodes, BuildNode, node).word < 0)
    g_array_index (b->nodes, BuildNode, node).word = id;
  return TRUE;
}

static int
cmp_edge (gconstpointer a, gconstpointer b)
{
  guint32 x = ((const W2veeTrieEdge *) a)->token, y = ((const W2veeTrieEdge *) b)->token;

  return x < y ? -1 : x > y;
}

static W2veeLexicon *
builder_finish (Builder *b, const W2veeModel *model)
{
  W2veeLexicon *lex = g_new0 (W2veeLexicon, 1);
  guint i;

  lex->ref_count = 1;
  lex->vocab_size = model->cfg.vocab_size;
  lex->nodes = g_array_sized_new (FALSE, FALSE, sizeof (W2veeTrieNode), b->nodes->len);
  lex->edges = g_array_sized_new (FALSE, FALSE, sizeof (W2veeTrieEdge), b->nodes->len);
  for (i = 0; i < b->nodes->len; i++) {
    BuildNode *bn = &g_array_index (b->nodes, BuildNode, i);
    W2veeTrieNode node = { lex->edges->len, 0, bn->word };

    if (bn->edges) {
      g_array_sort (bn->edges, cmp_edge);
      g_array_append_vals (lex->edges, bn->edges->data, bn->edges->len);
      node.n_edges = bn->edges->len;
    }
    g_array_append_val (lex->nodes, node);
  }
  lex->words = g_steal_pointer (&b->words);
  builder_clear (b);
  return lex;
}

gint32
w2vee_lexicon_child (const W2veeLexicon *lex, guint32 node, guint32 token)
{
  const W2veeTrieNode *n = &g_array_index (lex->nodes, W2veeTrieNode, node);
  const W2veeTrieEdge *e = &g_array_index (lex->edges, W2veeTrieEdge, n->first_edge);
  guint32 lo = 0, hi = n->n_edges;

  while (lo < hi) {
    guint32 mid = lo + (hi - lo) / 2;

    if (e[mid].token == token)
      return (gint32) e[mid].child;
    if (e[mid].token < token)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static void
token_map_init (TokenMap *tm, const W2veeModel *model)
{
  guint i;

  tm->model = model;
  tm->exact = g_hash_table_new (g_str_hash, g_str_equal);
  tm->folded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (i = 0; i < model->cfg.vocab_size; i++) {
    char *low = g_ascii_strdown (model->tokens[i], -1);

    g_hash_table_insert (tm->exact, model->tokens[i], GUINT_TO_POINTER (i + 1));
    if (g_hash_table_contains (tm->folded, low))
      g_hash_table_replace (tm->folded, low, GUINT_TO_POINTER (0));
    else
      g_hash_table_insert (tm->folded, low, GUINT_TO_POINTER (i + 1));
  }
}

static void
token_map_clear (TokenMap *tm)
{
  g_clear_pointer (&tm->exact, g_hash_table_unref);
  g_clear_pointer (&tm->folded, g_hash_table_unref);
}

/* Id of token text @s, or -1. */
static gint
token_map_get (const TokenMap *tm, const char *s)
{
  g_autofree char *low = NULL;
  gpointer p = g_hash_table_lookup (tm->exact, s);

  if (p != NULL)
    return GPOINTER_TO_INT (p) - 1;
  low = g_ascii_strdown (s, -1);
  p = g_hash_table_lookup (tm->folded, low);
  return p != NULL ? GPOINTER_TO_INT (p) - 1 : -1;
}

/* Reads the seed's tokens file: line k = spellings of token k. Replaces tm's maps. */
static gboolean
read_tokens_file (TokenMap *tm, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;
  guint i, k = 0, V = tm->model->cfg.vocab_size;

  if (!g_file_get_contents (path, &text, &len, &local)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot read the tokens file: %s",
        local->message);
    return FALSE;
  }
  if (strlen (text) != len || !g_utf8_validate (text, len, NULL)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s: not UTF-8 text", path);
    return FALSE;
  }
  g_hash_table_remove_all (tm->exact);
  g_hash_table_remove_all (tm->folded);
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    g_auto (GStrv) f = NULL;
    guint j;

    g_strstrip (lines[i]);
    if (lines[i][0] == '\0')
      continue;
    f = g_strsplit_set (lines[i], " \t", -1);
    if (k >= V || strcmp (f[0], tm->model->tokens[k]) != 0) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s:%u: token %u of the "
          "model is '%s', not '%s'", path, i + 1, k, k < V ? tm->model->tokens[k] : "(none)",
          f[0]);
      return FALSE;
    }
    for (j = 0; f[j] != NULL; j++) {
      if (f[j][0] == '\0')
        continue;
      if (g_hash_table_contains (tm->exact, f[j])) {
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s:%u: '%s' spells two "
            "tokens", path, i + 1, f[j]);
        return FALSE;
      }
      g_hash_table_insert (tm->exact, (gpointer) g_intern_string (f[j]),
          GUINT_TO_POINTER (k + 1));
    }
    k++;
  }
  if (k != V) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s: %u tokens, the model has %u",
        path, k, V);
    return FALSE;
  }
  return TRUE;
}

static gboolean
token_ok_in_spelling (const W2veeModel *m, guint32 id)
{
  return id != m->cfg.pad_token_id && !m->is_special[id]
      && (gint) id != m->word_delimiter_id;
}

W2veeLexicon *
w2vee_lexicon_load (const char *path, const char *tokens_path, const W2veeModel *model,
    GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL && model != NULL, NULL);
  if (!g_file_get_contents (path, &text, &len, &local)) {
    g_set_error (error, W2VEE_ERROR,
        g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
        ? W2VEE_ERROR_NOT_FOUND : W2VEE_ERROR_IO, "cannot read the lexicon: %s",
        local->message);
    return NULL;
  }
  return w2vee_lexicon_parse (path, text, len, tokens_path, model, error);
}

W2veeLexicon *
w2vee_lexicon_parse (const char *path, char *text, gsize len, const char *tokens_path,
    const W2veeModel *model, GError **error)
{
  g_autofree guint32 *spelling = NULL;
  TokenMap tm;
  Builder b;
  gsize pos = 0;
  guint line = 0, n_entries = 0;
  gboolean ok = FALSE;

  token_map_init (&tm, model);
  builder_init (&b);
  if (tokens_path != NULL && !read_tokens_file (&tm, tokens_path, error))
    goto out;
  spelling = g_new (guint32, len + 1);
  if (memchr (text, '\0', len) != NULL) {
    const char *z = memchr (text, '\0', len), *c;

    for (c = text, line = 1; c < z; c++)
      line += *c == '\n';
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s:%u: NUL byte in the text",
        path, line);
    goto out;
  }

#define BAD(...) G_STMT_START { \
    g_autofree char *why_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "%s:%u: %s", path, line, why_); \
    goto out; \
  } G_STMT_END

  while (pos < len) {
    char *s = text + pos, *nl = memchr (s, '\n', len - pos), *word, *tok;
    gsize l = nl ? (gsize) (nl - s) : len - pos;
    guint n = 0;

    pos += l + 1;
    line++;
    s[l] = '\0';
    if (l > 0 && s[l - 1] == '\r')
      s[l - 1] = '\0';
    if (!g_utf8_validate (s, -1, NULL))
      BAD ("not UTF-8");
    word = s + strspn (s, " \t");
    if (*word == '\0')
      continue;
    s = word + strcspn (word, " \t");
    if (*s != '\0')
      *s++ = '\0';
    while ((tok = strsep (&s, " \t")) != NULL) {
      gint id;

      if (*tok == '\0')
        continue;
      if (n > 0 && spelling[n - 1] == (guint32) model->word_delimiter_id)
        BAD ("'%s' after the word delimiter: '|' may only end a spelling", tok);
      id = token_map_get (&tm, tok);
      if (id < 0)
        BAD ("unknown token '%s' (not in the model's vocabulary)", tok);
      if (id == model->word_delimiter_id) {
        if (n == 0)
          BAD ("empty spelling of '%s'", word);
        spelling[n++] = id;
        continue;
      }
      if (!token_ok_in_spelling (model, id))
        BAD ("token '%s' is the blank or a special token", tok);
      spelling[n++] = id;
    }
    if (n > 0 && spelling[n - 1] == (guint32) model->word_delimiter_id)
      n--;
    if (n == 0)
      BAD ("empty spelling of '%s'", word);
    if (!builder_add (&b, word, spelling, n))
      BAD ("'%s' with this spelling twice", word);
    n_entries++;
  }
  line = 0;
  if (n_entries == 0)
    BAD ("no entries");
#undef BAD
  ok = TRUE;

out:
  token_map_clear (&tm);
  if (!ok) {
    builder_clear (&b);
    return NULL;
  }
  return builder_finish (&b, model);
}

W2veeLexicon *
w2vee_lexicon_new_from_lm (const W2veeLm *lm, const W2veeModel *model, GError **error)
{
  g_autofree guint32 *spelling = NULL;
  TokenMap tm;
  Builder b;
  guint32 id;
  guint n_added = 0;

  g_return_val_if_fail (lm != NULL && model != NULL, NULL);
  token_map_init (&tm, model);
  builder_init (&b);
  spelling = g_new (guint32, 1024);
  for (id = 0; id < w2vee_lm_vocab_size (lm); id++) {
    const char *w = w2vee_lm_word (lm, id), *c;
    guint n = 0;

    if (id == w2vee_lm_bos (lm) || id == w2vee_lm_eos (lm) || id == w2vee_lm_unk (lm))
      continue;
    for (c = w; *c != '\0' && n < 1024; c = g_utf8_next_char (c)) {
      char ch[8] = { 0 };
      gint t;

      memcpy (ch, c, g_utf8_next_char (c) - c);
      t = token_map_get (&tm, ch);
      if (t < 0 || !token_ok_in_spelling (model, t))
        break;
      spelling[n++] = t;
    }
    if (*c != '\0' || n == 0)
      continue;  /* unspellable */
    builder_add (&b, w, spelling, n);
    n_added++;
  }
  token_map_clear (&tm);
  if (n_added == 0) {
    builder_clear (&b);
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON, "no word of the LM can be "
        "spelled with the model's tokens");
    return NULL;
  }
  return builder_finish (&b, model);
}

W2veeLexicon *
w2vee_lexicon_ref (W2veeLexicon *lex)
{
  g_return_val_if_fail (lex != NULL, NULL);
  g_atomic_int_inc (&lex->ref_count);
  return lex;
}

void
w2vee_lexicon_unref (W2veeLexicon *lex)
{
  if (lex == NULL || !g_atomic_int_dec_and_test (&lex->ref_count))
    return;
  g_ptr_array_unref (lex->words);
  g_array_unref (lex->nodes);
  g_array_unref (lex->edges);
  g_free (lex);
}

guint
w2vee_lexicon_n_words (const W2veeLexicon *lex)
{
  return lex->words->len;
}
