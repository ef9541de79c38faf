/* Parse an iCalendar file with libical (GNOME's parser) and run its RFC 5546 restriction checks.
   Prints each X-LIC-ERROR libical added, one per line; exit status 0 when there is none, 1 otherwise.
   Usage: libical_check [--itip] file.ics   (--itip: run icalrestriction_check, which needs a METHOD) */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int report(icalcomponent *component) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        printf("%s\n", icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
        errors += report(c);
    }
    return errors;
}

int main(int argc, char **argv) {
    int itip = argc > 2 && strcmp(argv[1], "--itip") == 0;
    const char *path = argv[argc - 1];
    FILE *file = fopen(path, "rb");
    if (!file) { perror(path); return 2; }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = calloc(size + 1, 1);
    if (fread(text, 1, size, file) != (size_t)size) { fclose(file); return 2; }
    fclose(file);
    icalcomponent *calendar = icalparser_parse_string(text);
    if (!calendar) { printf("not parsed: %s\n", icalerror_strerror(icalerrno)); return 1; }
    if (icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) { printf("not a VCALENDAR\n"); return 1; }
    if (itip && !icalrestriction_check(calendar)) { printf("icalrestriction_check failed\n"); }
    int errors = report(calendar);
    int events = icalcomponent_count_components(calendar, ICAL_VEVENT_COMPONENT);
    fprintf(stderr, "events=%d\n", events);
    icalcomponent_free(calendar);
    free(text);
    return errors ? 1 : 0;
}
