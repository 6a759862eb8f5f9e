/*
 * test_sha256.c -- apps/lib/sha256.c against known digests (FIPS 180-4
 * examples "abc" and the 448-bit message, the empty string, one million 'a').
 */
#include <check.h>
#include <string.h>

#include "apps/lib/sha256.h"

START_TEST(test_vectors)
{
    char hex[65];
    ck_assert_str_eq(sha256_hex("", 0, hex), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_str_eq(sha256_hex("abc", 3, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ck_assert_str_eq(sha256_hex(m, strlen(m), hex), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_streaming_million_a)
{
    /* fed in odd-sized pieces to cross block boundaries */
    static char a[997];
    memset(a, 'a', sizeof a);
    sha256_t s;
    sha256_init(&s);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof a ? left : sizeof a;
        sha256_update(&s, a, n);
        left -= n;
    }
    uint8_t d[SHA256_LEN];
    char hex[65];
    sha256_final(&s, d);
    ck_assert_str_eq(sha256_to_hex(d, hex), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

Suite *sha256_suite(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_vectors);
    tcase_add_test(tc, test_streaming_million_a);
    suite_add_tcase(s, tc);
    return s;
}
