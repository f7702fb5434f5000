/* The W2VEE_ERROR domain. */
#include "w2vee/w2vee.h"

G_DEFINE_QUARK (w2vee-error-quark, w2vee_error)
