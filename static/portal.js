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

// A long form's draft kept in this browser while it is typed (<form data-draft="key">): after a closed tab or
// a lost connection the page offers to put it back. Identity, bank and mobile numbers are never kept, and
// the draft is dropped once the form is sent or the user signs out.
(function () {
  var form = document.querySelector('form[data-draft]');
  var PREFIX = 'expertlib-draft:';
  document.querySelectorAll('form[action$="/logout"]').forEach(function (logout) {
    logout.addEventListener('submit', function () {
      Object.keys(localStorage).forEach(function (k) { if (k.indexOf(PREFIX) === 0) localStorage.removeItem(k); });
    });
  });
  if (!form || !window.localStorage) return;
  var key = PREFIX + form.dataset.draft;
  var SECRET = ['csrf_token', 'id_number', 'bank_account', 'mobile'];
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && SECRET.indexOf(el.name) === -1 && el.type !== 'file' && el.type !== 'submit' &&
        el.type !== 'button' && el.type !== 'hidden' && !el.disabled;
    });
  }
  function read() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === 'checkbox' || el.type === 'radio') {
        values[el.name + '=' + el.value] = el.checked;
      } else if (el.multiple) {
        values[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function write(values) {
    fields().forEach(function (el) {
      if (el.type === 'checkbox' || el.type === 'radio') {
        if ((el.name + '=' + el.value) in values) el.checked = values[el.name + '=' + el.value];
      } else if (el.multiple) {
        if (el.name in values) Array.prototype.forEach.call(el.options, function (o) {
          o.selected = values[el.name].indexOf(o.value) !== -1;
        });
      } else if (el.name in values) {
        el.value = values[el.name];
      }
    });
  }
  var shown = JSON.stringify(read());
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { kept = null; }
  if (kept && JSON.stringify(kept.values) !== shown) {
    var note = document.createElement('div');
    note.className = 'alert alert-warning d-flex flex-wrap align-items-center';
    note.setAttribute('role', 'status');
    note.innerHTML = '<span class="mr-2"></span>' +
      '<button type="button" class="btn btn-sm btn-warning mr-2" data-draft-restore>恢复草稿</button>' +
      '<button type="button" class="btn btn-sm btn-outline-secondary" data-draft-discard>不恢复</button>';
    note.firstChild.textContent = '本浏览器中有 ' + kept.at + ' 未提交的填写内容（不含证件号码、银行账号和手机号码）。';
    form.parentNode.insertBefore(note, form);
    note.querySelector('[data-draft-restore]').addEventListener('click', function () {
      write(kept.values);
      note.remove();
    });
    note.querySelector('[data-draft-discard]').addEventListener('click', function () {
      localStorage.removeItem(key);
      note.remove();
    });
  }
  var said = form.querySelector('[data-draft-said]');
  var timer = null;
  function keep() {
    var values = read();
    if (JSON.stringify(values) === shown) return;
    var now = new Date();
    var at = now.getFullYear() + '-' + ('0' + (now.getMonth() + 1)).slice(-2) + '-' + ('0' + now.getDate()).slice(-2) +
      ' ' + ('0' + now.getHours()).slice(-2) + ':' + ('0' + now.getMinutes()).slice(-2);
    localStorage.setItem(key, JSON.stringify({at: at, values: values}));
    if (said) said.textContent = '已在本浏览器暂存草稿（' + at.slice(11) + '）';
  }
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(keep, 800); });
  form.addEventListener('change', function () { clearTimeout(timer); timer = setTimeout(keep, 800); });
  form.addEventListener('submit', function () { clearTimeout(timer); localStorage.removeItem(key); });
})();
