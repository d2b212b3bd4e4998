// Keyboard shortcuts for the calling flow: a key clicks the element marked data-key="<key>".
// Ignored while typing in a field, and with modifier keys, so they never eat normal input.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var element = document.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
  if (!element) return;
  event.preventDefault();
  if (element.tagName === "SUMMARY") {
    var details = element.parentElement;
    details.open = true;
    var first = details.querySelector("input, select");
    if (first) first.focus();
  } else {
    element.click();
  }
});
