/*
 * Fault arguments written as text, for scenario files, chaos and vigil's
 * console: "close 4000 reason=\"going away\"". Values are positional in the
 * catalog's order, or name=value in any order; a value with spaces is
 * quoted. Each becomes the JSON the control API would have sent, so both
 * paths share faults.c's checks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/faults.h"

#define TOKEN_MAX 256

int
sim_fault_arg_parse(const struct fault_arg *a, const char *text, json_t **v,
    char *err, size_t errlen)
{
	int64_t i;
	double d;

	*v = NULL;
	switch (a->type) {
	case ARG_BOOL:
		if (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0 ||
		    strcasecmp(text, "yes") == 0)
			*v = json_true();
		else if (strcasecmp(text, "false") == 0 ||
		    strcmp(text, "0") == 0 || strcasecmp(text, "no") == 0)
			*v = json_false();
		break;
	case ARG_INT:
		if (sim_parse_int(text, &i) == 0)
			*v = json_integer(i);
		break;
	case ARG_DOUBLE:
		if (sim_parse_double(text, &d) == 0)
			*v = json_real(d);
		break;
	case ARG_STR:
		*v = json_string(text);
		break;
	}
	if (*v != NULL)
		return 0;
	snprintf(err, errlen, "%s: \"%s\" is not %s", a->name, text,
	    a->type == ARG_BOOL ? "true or false" : a->type == ARG_INT ?
	    "an integer" : "a number");
	return -1;
}

/* The next token after p into buf; NULL at the end or on an error. */
static const char *
next_token(const char *p, char *buf, size_t len, bool *bad)
{
	size_t n = 0;
	bool quoted = false;

	p += strspn(p, " \t");
	if (*p == '\0')
		return NULL;
	for (; *p != '\0' && (quoted || (*p != ' ' && *p != '\t')); p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 >= len) {
			*bad = true;
			return NULL;
		}
		buf[n++] = *p;
	}
	buf[n] = '\0';
	*bad = quoted;
	return *bad ? NULL : p;
}

/* Which argument tok names, splitting "name=value"; else positional. */
static const struct fault_arg *
token_arg(const struct fault *f, char *tok, const char **value, int *pos)
{
	char *eq = strchr(tok, '=');
	const struct fault_arg *a;

	if (eq != NULL) {
		*eq = '\0';
		a = sim_fault_find_arg(f, tok);
		if (a != NULL) {
			*value = eq + 1;
			return a;
		}
		*eq = '=';
	}
	*value = tok;
	if (*pos >= FAULT_ARGS_MAX || f->args[*pos].name == NULL)
		return NULL;
	return &f->args[(*pos)++];
}

int
sim_fault_args_from_line(const char *fault, const char *rest, json_t **args,
    char *err, size_t errlen)
{
	const struct fault *f = sim_fault_get(sim_fault_index(fault));
	char tok[TOKEN_MAX];
	const char *p = rest, *value;
	bool bad = false;
	int pos = 0;

	*args = json_object();
	while ((p = next_token(p, tok, sizeof(tok), &bad)) != NULL) {
		const struct fault_arg *a = token_arg(f, tok, &value, &pos);
		json_t *v;

		if (a == NULL) {
			snprintf(err, errlen, "%s: too many arguments at \"%s\"",
			    f->name, tok);
			goto fail;
		}
		if (json_object_get(*args, a->name) != NULL) {
			snprintf(err, errlen, "%s: %s given twice", f->name,
			    a->name);
			goto fail;
		}
		if (sim_fault_arg_parse(a, value, &v, err, errlen) != 0)
			goto fail;
		json_object_set_new(*args, a->name, v);
	}
	if (!bad)
		return 0;
	snprintf(err, errlen, "%s: unterminated quote or overlong value",
	    f->name);
fail:
	json_decref(*args);
	*args = NULL;
	return -1;
}
