// A long list made findable: above each <select data-filterable>, a box that shows only the entries whose
// code or name contains what is typed (chosen entries stay chosen while hidden). Served from our origin,
// so the Content-Security-Policy lets it run.
document.querySelectorAll('select[data-filterable]').forEach(function (select) {
  var box = document.createElement('input');
  box.type = 'search';
  box.className = 'form-control form-control-sm mb-1';
  box.placeholder = '输入学科代码或名称查找';
  box.setAttribute('aria-label', '查找' + (select.labels[0] ? select.labels[0].textContent : ''));
  select.parentNode.insertBefore(box, select);
  box.addEventListener('input', function () {
    var wanted = box.value.trim();
    select.querySelectorAll('optgroup').forEach(function (group) {
      var shown = 0;
      group.querySelectorAll('option').forEach(function (option) {
        var match = !wanted || option.textContent.indexOf(wanted) !== -1 || group.label.indexOf(wanted) !== -1;
        option.hidden = !match;
        shown += match ? 1 : 0;
      });
      group.hidden = shown === 0;
    });
  });
});
