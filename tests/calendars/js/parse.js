// Parse iCalendar files with Mozilla's ical.js (Thunderbird's parser) and print what it understood as JSON.
const fs = require("fs");
const ICAL = require("ical.js");

const results = process.argv.slice(2).map((path) => {
  const text = fs.readFileSync(path, "utf8");
  const root = new ICAL.Component(ICAL.parse(text));
  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      sequence: event.sequence,
      summary: event.summary,
      status: vevent.getFirstPropertyValue("status"),
      start: event.startDate.toString(),
      end: event.endDate.toString(),
      startIsDate: event.startDate.isDate,
      endIsDate: event.endDate.isDate,
      organizer: event.organizer || null,
      attendees: event.attendees.map((a) => ({
        value: a.getFirstValue(),
        rsvp: a.getParameter("rsvp") || null,
      })),
      propertyNames: vevent.getAllProperties().map((p) => p.name),
    };
  });
  return {
    path,
    method: root.getFirstPropertyValue("method"),
    name: root.getFirstPropertyValue("name"),
    calname: root.getFirstPropertyValue("x-wr-calname"),
    events,
  };
});
process.stdout.write(JSON.stringify(results));
