/*
 * Tests for dateline recognition (ws_dateline.h): the four forms issue 3
 * names, their variants (qualifiers, day-month order, years, ordinals,
 * Unicode dashes and places, ", Reuter -"), whole <DATELINE> elements with
 * the Reuters-21578 oddities, what must not be taken for a dateline
 * (ordinary sentences, table headings), the search over a body's first
 * lines, dates from a dateline and a year, and years found in file paths.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ws_dateline.h"

static ws_dateline dl;

static int parse(const char *s, unsigned flags)
{
    memset(&dl, 0x55, sizeof dl);
    return ws_dateline_parse(s, strlen(s), flags, &dl);
}

static void expect(const char *s, unsigned flags, const char *place, const char *agency, unsigned month, unsigned day, int year)
{
    cr_assert_eq(parse(s, flags), 1, "not recognised: \"%s\"", s);
    cr_expect_str_eq(dl.place, place, "place of \"%s\"", s);
    cr_expect_str_eq(dl.agency, agency, "agency of \"%s\"", s);
    cr_expect_eq(dl.month, month, "month of \"%s\": %u", s, dl.month);
    cr_expect_eq(dl.day, day, "day of \"%s\": %u", s, dl.day);
    cr_expect_eq(dl.year, year, "year of \"%s\": %d", s, dl.year);
}

static void reject(const char *s, unsigned flags)
{
    cr_expect_eq(parse(s, flags), 0, "taken for a dateline: \"%s\" (place \"%s\")", s, dl.place);
}

Test(dateline, issue_forms)
{
    expect("MOSCOW, May 10. /TASS/. Russian Foreign Minister Sergei Lavrov", 0, "MOSCOW", "TASS", 5, 10, 0);
    expect("SALVADOR, Feb 26 - Showers continued", 0, "SALVADOR", "", 2, 26, 0);
    expect("WASHINGTON (Reuters) - The U.S. Agriculture Department", 0, "WASHINGTON", "Reuters", 0, 0, 0);
    expect("LONDON, March 3 (AP) \xE2\x80\x94 Britain's", 0, "LONDON", "AP", 3, 3, 0);
}

Test(dateline, end_offset)
{
    const char *s = "  SALVADOR, Feb 26 - Showers";
    cr_assert(parse(s, 0));
    cr_expect_eq(dl.start, 2);
    cr_expect_eq(dl.end, strlen("  SALVADOR, Feb 26 -"));
    s = "MOSCOW, May 10. /TASS/. Russian";
    cr_assert(parse(s, 0));
    cr_expect_eq(dl.end, strlen("MOSCOW, May 10. /TASS/."));
}

Test(dateline, variants)
{
    expect("MOSCOW, May 10 /TASS/ - text", 0, "MOSCOW", "TASS", 5, 10, 0);
    expect("MOSCOW, May 10. text", 0, "MOSCOW", "", 5, 10, 0);
    expect("NEW YORK, March 3 (Reuters) - text", 0, "NEW YORK", "Reuters", 3, 3, 0);
    expect("Rio de Janeiro, Oct. 5 (AFP) -- text", 0, "Rio de Janeiro", "AFP", 10, 5, 0);
    expect("BEIJING, Sept. 3 (Xinhua) -- text", 0, "BEIJING", "Xinhua", 9, 3, 0);
    expect("SAN FRANCISCO, Calif., March 3 (AP) \xE2\x80\x94 text", 0, "SAN FRANCISCO", "AP", 3, 3, 0);
    expect("KYIV, Ukraine (AP) \xE2\x80\x94 text", 0, "KYIV", "AP", 0, 0, 0);
    expect("BERLIN, 3 March (Reuters) - text", 0, "BERLIN", "Reuters", 3, 3, 0);
    expect("TOKYO, March 3rd - text", 0, "TOKYO", "", 3, 3, 0);
    expect("PARIS, June 4, 1989 (AP) - text", 0, "PARIS", "AP", 6, 4, 1989);
    expect("ST. LOUIS, Feb 26 - text", 0, "ST. LOUIS", "", 2, 26, 0);
    expect("S\xC3\x83O PAULO, 12 de", 1, "S\xC3\x83O PAULO", "", 0, 0, 0); /* whole: place kept */
    expect("Z\xC3\x9CRICH, Jan 5 (dpa) \xE2\x80\x93 text", 0, "Z\xC3\x9CRICH", "dpa", 1, 5, 0);
    expect("LONDON - The prime minister", 0, "LONDON", "", 0, 0, 0);
    expect("LONDON March 3 (AP) - text", 0, "LONDON", "AP", 3, 3, 0);
    expect("WASHINGTON, March 25, Reuter - text", 0, "WASHINGTON", "Reuter", 3, 25, 0);
    expect("Moscow, May 10 (Reuters) - text", 0, "Moscow", "Reuters", 5, 10, 0);
    expect("DALLAS/FORT WORTH, Texas, March 3 - text", 0, "DALLAS/FORT WORTH", "", 3, 3, 0);
    expect("NEW YORK , March 5 - text", 0, "NEW YORK", "", 3, 5, 0);
    expect("LONDON, March 3: text", 0, "LONDON", "", 3, 3, 0);
    expect("MONTREAL, Feb 26- text", 0, "MONTREAL", "", 2, 26, 0);
    expect("MOSCOW, May 10. /TASS/.", 0, "MOSCOW", "TASS", 5, 10, 0); /* alone on its line */
}

Test(dateline, whole_elements)
{
    /* Reuters-21578 <DATELINE> contents, oddities included */
    expect("    SALVADOR, Feb 26 - ", WS_DL_WHOLE, "SALVADOR", "", 2, 26, 0);
    expect("    omaha, april 7 - ", WS_DL_WHOLE, "omaha", "", 4, 7, 0);
    expect("    Mexico city, april 1 - ", WS_DL_WHOLE, "Mexico city", "", 4, 1, 0);
    expect("    JOHANNESBURG March 13 -     ", WS_DL_WHOLE, "JOHANNESBURG", "", 3, 13, 0);
    expect("    RICHMOND, Va. Feb 26 -     ", WS_DL_WHOLE, "RICHMOND", "", 2, 26, 0);
    expect("    WASHINGTON, June 19, - ", WS_DL_WHOLE, "WASHINGTON", "", 6, 19, 0);
    expect("    TORONTO, Apri 13 - ", WS_DL_WHOLE, "TORONTO", "", 0, 0, 0);
    expect("    NEW YORK, March 119 - ", WS_DL_WHOLE, "NEW YORK", "", 0, 0, 0);
    expect("    RIO DE JANEIRO, Feb 26 - Brazil's \"Cruzado\" anti- ", WS_DL_WHOLE, "RIO DE JANEIRO", "", 2, 26, 0);
    expect("    WASHINGTON", WS_DL_WHOLE, "WASHINGTON", "", 0, 0, 0);
    reject(" us        7.8015 - ", WS_DL_WHOLE);
    reject(" MAR8  --     --", WS_DL_WHOLE);
    reject("    -- ", WS_DL_WHOLE);
    reject("", WS_DL_WHOLE);
}

Test(dateline, not_datelines)
{
    reject("Prime Minister Tony Blair - who is on holiday - said", 0);
    reject("Quarterly profits at US media giant TimeWarner jumped 76%", 0);
    reject("Russian, Japanese Foreign Ministers to hold new round of talks", 0);
    reject("TV, films, and games have been gearing up", 0);
    reject("London - the capital - is", 0);              /* place only needs capitals */
    reject("LONDON. The capital", 0);
    reject("LONDON-based firms said", 0);
    reject("TOKYO RUBBER (YEN PER KILO) - APRIL 07", 0);  /* a table heading */
    reject("LONDON COCOA OPEN POSITION (REVISED) - APR 6", 0);
    reject("SINGAPORE RUBBER NOON - APRIL 7", 0);
    reject("Mr Smith, March 3", 0);                       /* no terminator */
    reject("A - B", 0);                                   /* one letter */
    reject("", 0);
    reject("   ", 0);
    reject("(Reuters) - text", 0);
    reject("ONE TWO THREE FOUR FIVE SIX SEVEN - x", 0);   /* too many words */
}

Test(dateline, find_in_body)
{
    const char *body = "The ministers will also touch upon other issues\n\nMOSCOW, May 10. /TASS/. Russian Foreign Minister";
    cr_assert(ws_dateline_find(body, strlen(body), &dl));
    cr_expect_str_eq(dl.place, "MOSCOW");
    cr_expect_eq(dl.start, strlen("The ministers will also touch upon other issues\n\n"));
    const char *late = "one\n\ntwo\n\nthree\n\nLONDON, March 3 (AP) - text";
    cr_expect_eq(ws_dateline_find(late, strlen(late), &dl), 0, "only the first three lines are searched");
    const char *indented = "\n\n    WASHINGTON (Reuters) - text";
    cr_assert(ws_dateline_find(indented, strlen(indented), &dl));
    cr_expect_str_eq(dl.agency, "Reuters");
    cr_expect_eq(ws_dateline_find("", 0, &dl), 0);
}

/* Issue 14, bug 3: the strict shape used in running text (WS_DL_STRICT,
 * ws_dateline_find): what CSV re-ingest of Reuters bodies took for
 * datelines, and what must still be one. */
Test(dateline, strict_shape)
{
    expect("MOSCOW, May 10. /TASS/. Russian", WS_DL_STRICT, "MOSCOW", "TASS", 5, 10, 0);
    expect("SALVADOR, Feb 26 - Showers", WS_DL_STRICT, "SALVADOR", "", 2, 26, 0);
    expect("WASHINGTON (Reuters) - The U.S.", WS_DL_STRICT, "WASHINGTON", "Reuters", 0, 0, 0);
    expect("LONDON March 3 (AP) - text", WS_DL_STRICT, "LONDON", "AP", 3, 3, 0);
    expect("LONDON, March 3 (AP) \xE2\x80\x94 Britain", WS_DL_STRICT, "LONDON", "AP", 3, 3, 0);
    reject("Record March 31.", WS_DL_STRICT);                   /* no comma before the date */
    reject("AT THE CLOSE -", WS_DL_STRICT);                     /* a place alone */
    reject("CORRECTION - CONTINENTAL ILL <CIL>", WS_DL_STRICT);
    reject("LONDON - The prime minister", WS_DL_STRICT);
    reject("YEAR - Shr 1.10 dlrs", WS_DL_STRICT);
    reject("Aquired Immune Deficiency Syndrome (AIDS).", WS_DL_STRICT); /* an acronym, no dash */
    reject("INDIA, BOMBAY/DELHI (RAMANAVMI).", WS_DL_STRICT);
    reject("Saturday, March 21.", WS_DL_STRICT);                /* a weekday */
    reject("BICC SEEKS ACCELERATED EARNINGS GROWTH LONDON, March 25 - BICC", WS_DL_STRICT); /* 6 words */
    /* without the flag the grammar stays as it was */
    expect("LONDON - The prime minister", 0, "LONDON", "", 0, 0, 0);
    /* only at a paragraph start */
    const char *wrapped = "The plants will work overtime on\nSaturday, March 21.\n";
    cr_expect_eq(ws_dateline_find(wrapped, strlen(wrapped), &dl), 0);
    const char *wrapped2 = "Qtly div 15 cts\nMOSCOW, May 10. /TASS/. x";
    cr_expect_eq(ws_dateline_find(wrapped2, strlen(wrapped2), &dl), 0, "a wrapped line");
    const char *indented = "Qtly div 15 cts\n    MOSCOW, May 10. /TASS/. x";
    cr_expect_eq(ws_dateline_find(indented, strlen(indented), &dl), 1, "an indented paragraph start");
}

Test(dateline, dates)
{
    cr_assert(parse("MOSCOW, May 10. /TASS/. x", 0));
    cr_expect_eq(ws_dateline_date(&dl, 2019), 1557446400);
    cr_expect_eq(ws_dateline_date(&dl, 0), WS_DATE_UNKNOWN);
    cr_assert(parse("ROME, Feb 29 - x", 0));
    cr_expect_eq(ws_dateline_date(&dl, 2019), WS_DATE_UNKNOWN, "no Feb 29 in 2019");
    cr_expect_eq(ws_dateline_date(&dl, 2020), ws_days_from_civil(2020, 2, 29) * 86400);
    cr_assert(parse("PARIS, June 4, 1989 (AP) - x", 0));
    cr_expect_eq(ws_dateline_date(&dl, 2019), ws_days_from_civil(1989, 6, 4) * 86400, "the dateline's year wins");
    cr_assert(parse("WASHINGTON (Reuters) - x", 0));
    cr_expect_eq(ws_dateline_date(&dl, 2019), WS_DATE_UNKNOWN);
    cr_assert(parse("ROME, Feb 31 - x", 0) == 1);
    cr_expect_eq(ws_dateline_date(&dl, 2019), WS_DATE_UNKNOWN);
}

Test(dateline, year_from_path)
{
    cr_expect_eq(ws_year_from_path("news/2019/05/10/story.txt"), 2019);
    cr_expect_eq(ws_year_from_path("tass-20190510.txt"), 2019);
    cr_expect_eq(ws_year_from_path("a/1987/b/2003-x.txt"), 2003, "the last one wins");
    cr_expect_eq(ws_year_from_path("/work/shared/corpora/seed/000_4eff87f807893dd2.txt"), 0);
    cr_expect_eq(ws_year_from_path("reut2-000.xml"), 0);
    cr_expect_eq(ws_year_from_path("x/12019/y"), 0, "five digits");
    cr_expect_eq(ws_year_from_path("x/1899/y"), 0);
    cr_expect_eq(ws_year_from_path("x/2100/y"), 0);
    cr_expect_eq(ws_year_from_path("20191310.txt"), 0, "month 13");
    cr_expect_eq(ws_year_from_path("20190230.txt"), 0, "Feb 30");
    cr_expect_eq(ws_year_from_path(""), 0);
}
