/* test_provenance.c — digests that name inputs, and the committed capacity table
 * staying in step with the calibration profile it was computed from. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "sim/sha256.h"

static void digest(const char *msg, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, msg, strlen(msg));
	sha256_final(&c, hex);
}

/* FIPS 180-2, appendix B (one-block and two-block messages), and the empty string. */
Test(sha256, known_answers)
{
	char h[65];
	digest("abc", h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	digest("", h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* a million 'a' in uneven pieces (appendix B.3) */
	struct sha256 c;
	sha256_init(&c);
	char a[997];
	memset(a, 'a', sizeof a);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof a ? left : sizeof a;
		sha256_update(&c, a, n);
		left -= n;
	}
	sha256_final(&c, h);
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* data/capacity/default.csv names, in its source line, the sha256 of the
 * calibration profile it was computed from; a new profile needs a new table. */
Test(provenance, capacity_table_matches_the_calibration_profile)
{
	char prof[65], line[4096];
	cr_assert(sha256_file_hex(th_src("data/calibration/default.json"), prof));
	FILE *f = fopen(th_src("data/capacity/default.csv"), "r");
	cr_assert_not_null(f);
	cr_assert(fgets(line, sizeof line, f));
	fclose(f);
	cr_assert(strncmp(line, "# source:", 9) == 0);
	cr_assert(strstr(line, "data/calibration/default.json") != NULL);
	cr_assert(strstr(line, prof) != NULL,
	          "data/capacity/default.csv was computed from another calibration profile than "
	          "data/calibration/default.json (sha256 %s): regenerate it with "
	          "'build/dais capacity -o data/capacity/default.csv'", prof);
}
