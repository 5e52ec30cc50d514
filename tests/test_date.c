/*
 * Tests for ws_date_parse / ws_date_parse_fmt. Every expected value was
 * computed independently with Python's calendar.timegm() on the broken-down
 * UTC time (zone offsets applied by hand) when the test was written, not by
 * this code.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ws_date.h"
#include "ws_util.h"

static int64_t parse_ok(const char *s)
{
    int64_t t = 12345;
    int rc = ws_date_parse(s, strlen(s), &t);
    cr_assert_eq(rc, 0, "\"%s\" rejected: %s", s, ws_last_error());
    return t;
}

#define EXPECT(str, val) cr_expect_eq(parse_ok(str), (int64_t)(val), "\"%s\" -> %lld, want %lld", str, \
                                      (long long)parse_ok(str), (long long)(val))

static void expect_bad(const char *s)
{
    int64_t t = 777;
    int rc = ws_date_parse(s, strlen(s), &t);
    cr_expect_eq(rc, WS_EFORMAT, "\"%s\" accepted as %lld", s, (long long)t);
    cr_expect_eq(t, 777, "output written on error for \"%s\"", s);
}

Test(date, iso8601)
{
    EXPECT("2019-05-10", 1557446400);
    EXPECT("2019-05-10T12:30", 1557491400);
    EXPECT("2019-05-10T12:30:45", 1557491445);
    EXPECT("2019-05-10T12:30:45.123Z", 1557491445);
    EXPECT("2019-05-10T12:30:45.999999999z", 1557491445);
    EXPECT("2019-05-10T12:30:45,5", 1557491445);
    EXPECT("2019-05-10T12:30:45Z", 1557491445);
    EXPECT("2019-05-10t12:30:45z", 1557491445);
    EXPECT("2019-05-10T12:30:45+03:00", 1557480645);
    EXPECT("2019-05-10T12:30:45+0300", 1557480645);
    EXPECT("2019-05-10T12:30:45-05", 1557509445);
    EXPECT("2019-05-10T12:00+05:30", 1557469800);
    EXPECT("2019-05-10 12:30:45", 1557491445);
    EXPECT("2019-05-10   12:30:45 +03:00", 1557480645);
    EXPECT("2019-05-10 12:30:45 UTC", 1557491445);
    EXPECT("2019-05-10T12:30:45 GMT+1", 1557487845);
    EXPECT("2019/05/10 08:00 UTC", 1557475200);
    EXPECT("2019-5-10", 1557446400);
    EXPECT("20190510", 1557446400);
    EXPECT("20190510T123045Z", 1557491445);
    EXPECT("2019-05", 1556668800);
    EXPECT("  2019-05-10\t\n", 1557446400);
    EXPECT("1987-02-26", 541296000);
}

Test(date, rfc2822_usenet_reuters)
{
    EXPECT("Fri, 23 Apr 1993 16:24:16 GMT", 735582256);
    EXPECT("Fri,23 Apr 1993 16:24:16 GMT", 735582256);
    EXPECT("Friday, 23 Apr 1993 16:24:16 GMT", 735582256);
    EXPECT("fri, 23 apr 1993 16:24:16 gmt", 735582256);
    EXPECT("5 Apr 93 20:41:08 GMT", 734042468);
    EXPECT("23 Apr 1993 16:24 -0400", 735596640);
    EXPECT("Thu, 13 Feb 1992 12:00:00 -0800 (PST)", 698011200);
    EXPECT("26-FEB-1987 15:01:01.79", 541350061);
    EXPECT("26-Feb-1987 15:01:01.79", 541350061);
    EXPECT(" 26-FEB-1987 15:01:01.79 ", 541350061);
    EXPECT("Tue, 1 Jan 2002 00:00:00 EST", 1009861200);
    EXPECT("Sun, 06 Nov 1994 08:49:37 PDT", 784136977);
    EXPECT("Wed, 10 Jul 2019 09:00:00 CEST", 1562742000);
    EXPECT("10 Jul 2019 09:00 BST", 1562745600);
    EXPECT("1 Jan 1970 00:00:00 +0000", 0);
    EXPECT("31 Dec 1969 23:59:59 GMT", -1);
    EXPECT("1 Jan 1970 00:00:00 UT", 0);
    EXPECT("1 Jan 1970 00:00:00 Z", 0);
    /* RFC 2822 4.3: military letters and unknown names count as +0000. */
    EXPECT("13 Feb 1992 12:00 A", 697982400);
    EXPECT("13 Feb 1992 12:00 XYZ", 697982400);
    EXPECT("3 Sep 2001 12:00 AM", 999475200);
    EXPECT("1 Jan 093 00:00 GMT", 725846400); /* obs-year: 1900 + 93 */
    EXPECT("23 Apr 1993", 735523200 + 0);     /* no time: midnight */
}

Test(date, two_digit_years)
{
    EXPECT("1 Jan 00 00:00 GMT", 946684800);
    EXPECT("1 Jan 49 00:00 GMT", 2493072000LL);
    EXPECT("1 Jan 50 00:00 GMT", -631152000);
}

Test(date, month_first_and_asctime)
{
    EXPECT("May 10, 2019", 1557446400);
    EXPECT("May 10 2019", 1557446400);
    EXPECT("May 10th, 2019", 1557446400);
    EXPECT("Friday, May 10, 2019 4:24 PM", 1557505440);
    EXPECT("Sept. 3, 2001 12:00 AM", 999475200);
    EXPECT("Fri Apr 23 16:24:16 1993", 735582256);
    EXPECT("Fri Apr 23 16:24:16 EST 1993", 735600256);
}

Test(date, calendar_edges)
{
    EXPECT("2016-02-29", 1456704000);
    EXPECT("2000-02-29", 951782400);
    EXPECT("2019-05-10T24:00", 1557532800);
    EXPECT("2019-05-10T24:00:00", 1557532800);
    EXPECT("2016-12-31T23:59:60Z", 1483228800);
    EXPECT("0001-01-01", -62135596800LL);
    EXPECT("9999-12-31T23:59:59", 253402300799LL);
}

Test(date, rejects)
{
    static const char *const bad[] = {
        "", "   ", "2019", "1557446400", "2019-02-29", "1900-02-29", "2019-13-01", "2019-00-10",
        "2019-04-31", "2019-05-00", "2019-05-10T25:00", "2019-05-10T24:00:01", "2019-05-10T12:60",
        "2019-05-10T12:30:61", "2019-05-10T12:30:45+25:00", "2019-05-10T12:30:45+03:75",
        "2019-05-10T12:30:45 XYZ", "2019-05-10T12:30:45Zjunk", "2019-05-10T", "2019-05-10T1230",
        "2019-05-10 garbage", "2019-05/10", "0000-01-01", "garbage", "yesterday", "32 Jan 2019",
        "30 Feb 2019", "1 Foo 2019", "Fri, 23 Apr 1993 16:24:16 GMT extra", "23 Apr 1993 16:24 (EST",
        "23 Apr 1993,", "23 Apr 1 00:00", "23 Apr 12345", "May 10", "May 10, 2019 13:00 PM",
        "May 10, 2019 0:30 AM", "1993-04-23T16:24:16.Z", "2019-05-10\x01", "201905101",
        "2019-05-10T12:30:45+", "Friday",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_bad(bad[i]);
}

Test(date, not_nul_terminated)
{
    const char buf[] = "2019-05-10T12:30:45Zxxxx";
    int64_t t = 0;
    cr_assert_eq(ws_date_parse(buf, 20, &t), 0);
    cr_expect_eq(t, 1557491445);
    cr_expect_eq(ws_date_parse(buf, 21, &t), WS_EFORMAT);
}

static int64_t fmt_ok(const char *s, const char *fmt)
{
    int64_t t = 0;
    int rc = ws_date_parse_fmt(s, strlen(s), fmt, &t);
    cr_assert_eq(rc, 0, "\"%s\" with \"%s\" rejected: %s", s, fmt, ws_last_error());
    return t;
}

Test(date, explicit_format)
{
    cr_expect_eq(fmt_ok("2019-05-10", "%Y-%m-%d"), 1557446400);
    cr_expect_eq(fmt_ok("20190510", "%Y%m%d"), 1557446400);
    cr_expect_eq(fmt_ok("10/05/2019 16:24", "%d/%m/%Y %H:%M"), 1557505440);
    cr_expect_eq(fmt_ok("05/10/19 4:24 pm", "%m/%d/%y %I:%M %p"), 1557505440);
    cr_expect_eq(fmt_ok("26-FEB-1987 15:01:01.79", "%d-%b-%Y %H:%M:%S.%f"), 541350061);
    cr_expect_eq(fmt_ok("Fri, 23 Apr 1993 16:24:16 GMT", "%a, %d %b %Y %T %Z"), 735582256);
    cr_expect_eq(fmt_ok("23 April 1993 16:24 -0400", "%d %B %Y %H:%M %z"), 735596640);
    cr_expect_eq(fmt_ok("2019-05-10T12:30:45+03:00", "%FT%T%z"), 1557480645);
    cr_expect_eq(fmt_ok("2019-05-10T12:30:45Z", "%FT%T%z"), 1557491445);
    cr_expect_eq(fmt_ok("2019 130", "%Y %j"), 1557446400);       /* day 130 = May 10 */
    cr_expect_eq(fmt_ok("2020 366", "%Y %j"), 1609372800);       /* leap year: Dec 31 */
    cr_expect_eq(fmt_ok("2019-05-10 130", "%F %j"), 1557446400); /* consistent */
    cr_expect_eq(fmt_ok("Date: 2019-05", "Date: %Y-%m"), 1556668800);
    cr_expect_eq(fmt_ok("100% 2019-05-10", "100%% %F"), 1557446400);
    cr_expect_eq(fmt_ok("May  5 2019", "%b %e %Y"), 1557014400);
}

Test(date, explicit_format_rejects)
{
    int64_t t = 5;
    const struct { const char *s, *fmt; } bad[] = {
        {"2019-02-29", "%Y-%m-%d"}, {"2019-05-10 x", "%Y-%m-%d"}, {"05-10", "%m-%d"},
        {"2019 366", "%Y %j"},     {"2019-05-11 130", "%F %j"},  {"2019-05-10", "%Y/%m/%d"},
        {"1 Foo 2019", "%d %b %Y"}, {"2019 13:00 pm", "%Y %I:%M %p"}, {"2019 XYZ", "%Y %Z"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(ws_date_parse_fmt(bad[i].s, strlen(bad[i].s), bad[i].fmt, &t), WS_EFORMAT, "\"%s\" / \"%s\"",
                     bad[i].s, bad[i].fmt);
    cr_expect_eq(t, 5);
    cr_expect_eq(ws_date_parse_fmt("2019", 4, "%Y %Q", &t), WS_EINVAL);
    cr_expect_eq(ws_date_parse_fmt("2019", 4, "%Y%", &t), WS_EINVAL);
}
