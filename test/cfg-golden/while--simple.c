void f(int n)
{
	while (n) {
		n = step(n);
	}
	done();
}
